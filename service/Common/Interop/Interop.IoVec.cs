using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// struct iovec (sys/uio.h), LP64 layout (x86_64 and arm64):
        /// <code>
        ///  0        8        16
        ///  +--------+--------+
        ///  | base   | len    |
        ///  +--------+--------+
        /// </code>
        /// </summary>
        [StructLayout(LayoutKind.Explicit, Size = TotalSize)]
        internal unsafe struct IoVec
        {
            internal const int TotalSize = 16;

            /// <summary>void* iov_base.</summary>
            [FieldOffset(0)] public void* Base;

            /// <summary>size_t iov_len.</summary>
            [FieldOffset(8)] public nuint Length;
        }
    }
}
