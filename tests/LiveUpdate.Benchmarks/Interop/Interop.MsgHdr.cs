using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// struct msghdr (LP64): <c>0 void* msg_name, 8 u32 msg_namelen (+4 padding), 16 iovec* msg_iov,
        /// 24 size_t msg_iovlen, 32 void* msg_control, 40 size_t msg_controllen, 48 i32 msg_flags (+4 padding)</c>.
        /// </summary>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct MsgHdr
        {
            public void* Name;
            public uint NameLength;
            public IoVec* Iov;
            public nuint IovLength;
            public void* Control;
            public nuint ControlLength;
            public int Flags;
        }
    }
}
