using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>sendmsg/recvmsg flag: do not block, whatever the socket's mode.</summary>
        internal const int MSG_DONTWAIT = 0x40;

        /// <summary>sendmsg flag: do not raise SIGPIPE when the peer has gone; fail with EPIPE instead.</summary>
        internal const int MSG_NOSIGNAL = 0x4000;

        [LibraryImport(Libraries.Libc, EntryPoint = "sendmsg", SetLastError = true)]
        private static unsafe partial nint SendMsgRaw(SafeHandle socket, MsgHdr* message, int flags);

        /// <summary>
        /// sendmsg(2) of <paramref name="payload"/> as one message on <paramref name="socket"/> (a
        /// <see cref="System.Net.Sockets.Socket.SafeHandle"/>), with <paramref name="descriptor"/> in an SCM_RIGHTS control
        /// message when it is not null; MSG_NOSIGNAL is always added, and the call is retried on EINTR. Returns the bytes
        /// sent, or -1 with <paramref name="errno"/> (EAGAIN: the peer is not reading, or SO_SNDTIMEO expired).
        /// Ownership: the kernel puts a duplicate of the descriptor in the message; the caller still owns (and closes) its
        /// own <paramref name="descriptor"/> whatever the outcome.
        /// </summary>
        internal static unsafe int SendMessage(SafeHandle socket, ReadOnlySpan<byte> payload, SafeHandle? descriptor, int flags, out int errno)
        {
            bool added = false;
            try
            {
                byte* control = stackalloc byte[CmsgHdr.Space(sizeof(int))];
                fixed (byte* data = payload)
                {
                    var iov = new IoVec { Base = data, Length = (nuint)payload.Length };
                    var message = new MsgHdr { IoVecs = &iov, IoVecCount = 1 };
                    if (descriptor is not null)
                    {
                        descriptor.DangerousAddRef(ref added);
                        new Span<byte>(control, CmsgHdr.Space(sizeof(int))).Clear();
                        var header = (CmsgHdr*)control;
                        header->Length = (nuint)CmsgHdr.MessageLength(sizeof(int));
                        header->Level = SOL_SOCKET;
                        header->Type = SCM_RIGHTS;
                        *(int*)(control + CmsgHdr.DataOffset) = (int)descriptor.DangerousGetHandle();
                        message.Control = control;
                        message.ControlLength = (nuint)CmsgHdr.Space(sizeof(int));
                    }

                    while (true)
                    {
                        nint sent = SendMsgRaw(socket, &message, flags | MSG_NOSIGNAL);
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
                if (added)
                {
                    descriptor!.DangerousRelease();
                }
            }
        }
    }
}
