using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>recvmsg output flag: the control buffer was too small (descriptors that did not fit were closed).</summary>
        internal const int MSG_CTRUNC = 0x08;

        /// <summary>recvmsg input flag: received descriptors get close-on-exec atomically.</summary>
        internal const int MSG_CMSG_CLOEXEC = 0x40000000;

        [LibraryImport(Libraries.Libc, EntryPoint = "recvmsg", SetLastError = true)]
        private static unsafe partial nint RecvMsgRaw(int fd, MsgHdr* message, int flags);

        /// <summary>recvmsg(2), retried on EINTR; throws on failure. Returns the bytes received (0: the peer closed).</summary>
        internal static unsafe nint RecvMsg(int fd, MsgHdr* message, int flags)
        {
            while (true)
            {
                var received = RecvMsgRaw(fd, message, flags);
                if (received >= 0)
                {
                    return received;
                }

                var errno = LastErrno;
                if (errno != EINTR)
                {
                    throw Failure("recvmsg", errno);
                }
            }
        }
    }
}
