using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SCM_RIGHTS = 1;

        internal const int MSG_CTRUNC = 0x8;
        internal const int MSG_TRUNC = 0x20;
        internal const int MSG_DONTWAIT = 0x40;
        internal const int MSG_NOSIGNAL = 0x4000;
        internal const int MSG_CMSG_CLOEXEC = 0x40000000;

        /// <summary>CMSG_SPACE(sizeof(int)): one cmsghdr (16 bytes on 64-bit) plus one descriptor, padded to 8.</summary>
        internal const int CmsgSpaceOneFd = 24;

        /// <summary>CMSG_LEN(sizeof(int)): the cmsg_len of a control message carrying one descriptor.</summary>
        internal const int CmsgLenOneFd = 20;

        /// <summary>struct iovec: <c>0 void* iov_base, 8 size_t iov_len</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct IoVec
        {
            public void* Base;
            public nuint Length;
        }

        /// <summary>
        /// struct msghdr (64-bit Linux): <c>0 void* msg_name, 8 u32 msg_namelen (+4 padding), 16 iovec* msg_iov,
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

        /// <summary>struct cmsghdr (64-bit Linux): <c>0 size_t cmsg_len, 8 i32 cmsg_level, 12 i32 cmsg_type, 16 data</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct CmsgHdr
        {
            public nuint Length;
            public int Level;
            public int Type;
        }
    }
}
