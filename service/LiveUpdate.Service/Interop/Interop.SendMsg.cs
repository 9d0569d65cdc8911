using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "sendmsg", SetLastError = true)]
        private static unsafe partial nint SendMsgRaw(SafeDescriptorHandle fd, MsgHdr* message, int flags);

        /// <summary>
        /// sendmsg(2) of <paramref name="payload"/> as one message, with <paramref name="descriptor"/> in an SCM_RIGHTS
        /// control message when it is not null, retried on EINTR. The kernel puts a duplicate of the descriptor in the
        /// message: the caller still owns (and must close) its own <paramref name="descriptor"/> whatever the outcome.
        /// Returns the bytes sent, or -1 with <paramref name="errno"/> (EAGAIN with MSG_DONTWAIT: the peer is not reading).
        /// </summary>
        internal static unsafe int SendMessage(SafeDescriptorHandle fd, ReadOnlySpan<byte> payload, SafeDescriptorHandle? descriptor, int flags, out int errno)
        {
            bool addedRef = false;
            try
            {
                int passed = -1;
                if (descriptor is not null)
                {
                    descriptor.DangerousAddRef(ref addedRef);
                    passed = descriptor.Fd;
                }

                byte* control = stackalloc byte[CmsgSpaceOneFd];
                new Span<byte>(control, CmsgSpaceOneFd).Clear();
                fixed (byte* data = payload)
                {
                    var iov = new IoVec { Base = data, Length = (nuint)payload.Length };
                    var message = new MsgHdr { Iov = &iov, IovLength = 1 };
                    if (descriptor is not null)
                    {
                        var header = (CmsgHdr*)control;
                        header->Length = CmsgLenOneFd;
                        header->Level = SOL_SOCKET;
                        header->Type = SCM_RIGHTS;
                        *(int*)(control + sizeof(CmsgHdr)) = passed;
                        message.Control = control;
                        message.ControlLength = CmsgSpaceOneFd;
                    }

                    while (true)
                    {
                        nint sent = SendMsgRaw(fd, &message, flags);
                        if (sent >= 0)
                        {
                            errno = 0;
                            return (int)sent;
                        }

                        errno = LastErrno;
                        if (errno != EINTR)
                        {
                            return -1;
                        }
                    }
                }
            }
            finally
            {
                if (addedRef)
                {
                    descriptor!.DangerousRelease();
                }
            }
        }
    }
}
