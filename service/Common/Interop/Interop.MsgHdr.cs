using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// struct msghdr (sys/socket.h), LP64 layout (x86_64 and arm64 glibc; musl's padded fields sit at the same offsets):
        /// <code>
        ///  0          8          12    16         24          32            40               48      52    56
        ///  +----------+----------+-----+----------+-----------+-------------+----------------+-------+-----+
        ///  | name     | namelen  | pad | iov      | iovlen    | control     | controllen     | flags | pad |
        ///  | void*    | socklen_t|     | iovec*   | size_t    | void*       | size_t         | int   |     |
        ///  +----------+----------+-----+----------+-----------+-------------+----------------+-------+-----+
        /// </code>
        /// </summary>
        [StructLayout(LayoutKind.Explicit, Size = TotalSize)]
        internal unsafe struct MsgHdr
        {
            internal const int TotalSize = 56;

            /// <summary>void* msg_name: the peer address (unused on a connected socket).</summary>
            [FieldOffset(0)] public void* Name;

            /// <summary>socklen_t msg_namelen.</summary>
            [FieldOffset(8)] public uint NameLength;

            /// <summary>struct iovec* msg_iov: the data buffers.</summary>
            [FieldOffset(16)] public IoVec* IoVecs;

            /// <summary>size_t msg_iovlen: how many <see cref="IoVecs"/>.</summary>
            [FieldOffset(24)] public nuint IoVecCount;

            /// <summary>void* msg_control: the ancillary data (control messages) buffer.</summary>
            [FieldOffset(32)] public void* Control;

            /// <summary>size_t msg_controllen: its size on input; on output, how much of it the kernel filled.</summary>
            [FieldOffset(40)] public nuint ControlLength;

            /// <summary>int msg_flags: set by recvmsg (MSG_TRUNC, MSG_CTRUNC, …).</summary>
            [FieldOffset(48)] public int Flags;
        }
    }
}
