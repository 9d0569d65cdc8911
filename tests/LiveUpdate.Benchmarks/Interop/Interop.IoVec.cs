using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>struct iovec (LP64): <c>0 void* iov_base, 8 size_t iov_len</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct IoVec
        {
            public void* Base;
            public nuint Length;
        }
    }
}
