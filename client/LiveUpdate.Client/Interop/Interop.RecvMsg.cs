using System.Runtime.InteropServices;

namespace LiveUpdate.Client;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>recvmsg output flag: the control buffer was too small; descriptors that did not fit were closed.</summary>
        internal const int MSG_CTRUNC = 0x08;

        /// <summary>recvmsg output flag: the datagram was longer than the data buffer; the rest was discarded.</summary>
        internal const int MSG_TRUNC = 0x20;

        /// <summary>recvmsg input flag: set close-on-exec on every descriptor received (atomically, no fork race).</summary>
        internal const int MSG_CMSG_CLOEXEC = 0x40000000;

        [LibraryImport(Libraries.Libc, EntryPoint = "recvmsg", SetLastError = true)]
        private static unsafe partial nint RecvMsgRaw(SafeHandle fd, MsgHdr* message, int flags);

        /// <summary>
        /// recvmsg(2), retried on EINTR. Returns the bytes received (0 when the peer closed the connection), or -1 with
        /// <paramref name="errno"/> set (EAGAIN when SO_RCVTIMEO expired). Every descriptor delivered in the control
        /// buffer now belongs to the caller, who must close it, also when the call is treated as failed.
        /// </summary>
        internal static unsafe nint TryRecvMsg(SafeHandle fd, MsgHdr* message, int flags, out int errno)
        {
            while (true)
            {
                nint received = RecvMsgRaw(fd, message, flags);
                if (received >= 0)
                {
                    errno = 0;
                    return received;
                }

                errno = LastErrno;
                if (errno != EINTR)
                {
                    return -1;
                }
            }
        }
    }
}
