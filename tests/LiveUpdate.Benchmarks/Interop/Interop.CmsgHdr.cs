using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SOL_SOCKET = 1;
        internal const int SCM_RIGHTS = 1;

        /// <summary>CMSG_SPACE(sizeof(int)): a 16-byte cmsghdr plus one descriptor, padded to 8.</summary>
        internal const int CmsgSpaceOneFd = 24;

        /// <summary>CMSG_LEN(sizeof(int)): the cmsg_len of a control message carrying one descriptor.</summary>
        internal const int CmsgLenOneFd = 20;

        /// <summary>struct cmsghdr (LP64): <c>0 size_t cmsg_len, 8 i32 cmsg_level, 12 i32 cmsg_type, 16 data</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct CmsgHdr
        {
            public nuint Length;
            public int Level;
            public int Type;
        }
    }
}
