using System.Runtime.InteropServices;

namespace LiveUpdate.Client;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Do not raise SIGPIPE when the peer has gone; return EPIPE instead.</summary>
        internal const int MSG_NOSIGNAL = 0x4000;

        [LibraryImport(Libraries.Libc, EntryPoint = "sendmsg", SetLastError = true)]
        private static unsafe partial nint SendMsgRaw(SafeHandle fd, MsgHdr* message, int flags);

        /// <summary>
        /// sendmsg(2) with MSG_NOSIGNAL added, retried on EINTR. Returns the bytes sent, or -1 with
        /// <paramref name="errno"/> set. Descriptors in an SCM_RIGHTS control message stay owned by the sender
        /// (the receiver gets duplicates).
        /// </summary>
        internal static unsafe nint TrySendMsg(SafeHandle fd, MsgHdr* message, int flags, out int errno)
        {
            while (true)
            {
                nint sent = SendMsgRaw(fd, message, flags | MSG_NOSIGNAL);
                if (sent >= 0)
                {
                    errno = 0;
                    return sent;
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
