using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Do not raise SIGPIPE when the peer has gone; fail with EPIPE instead.</summary>
        internal const int MSG_NOSIGNAL = 0x4000;

        [LibraryImport(Libraries.Libc, EntryPoint = "sendmsg", SetLastError = true)]
        private static unsafe partial nint SendMsgRaw(int fd, MsgHdr* message, int flags);

        /// <summary>sendmsg(2) with MSG_NOSIGNAL, retried on EINTR; throws on failure. Returns the bytes sent.</summary>
        internal static unsafe nint SendMsg(int fd, MsgHdr* message)
        {
            while (true)
            {
                var sent = SendMsgRaw(fd, message, MSG_NOSIGNAL);
                if (sent >= 0)
                {
                    return sent;
                }

                var errno = LastErrno;
                if (errno != EINTR)
                {
                    throw Failure("sendmsg", errno);
                }
            }
        }
    }
}
