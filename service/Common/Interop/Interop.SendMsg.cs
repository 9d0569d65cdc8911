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
        /// <see cref="System.Net.Sockets.Socket.SafeHandle"/>), with <paramref name="descriptors"/> in one SCM_RIGHTS
        /// control message when there are any; MSG_NOSIGNAL is always added, and the call is retried on EINTR. Returns
        /// the bytes sent, or -1 with <paramref name="errno"/> (EAGAIN: the peer is not reading, or SO_SNDTIMEO expired).
        /// Ownership: the kernel puts duplicates of the descriptors in the message; the caller still owns (and closes) its
        /// own <paramref name="descriptors"/> whatever the outcome.
        /// </summary>
        internal static unsafe int SendMessage(SafeHandle socket, ReadOnlySpan<byte> payload, ReadOnlySpan<SafeHandle> descriptors, int flags, out int errno)
        {
            int controlLength = descriptors.IsEmpty ? 0 : CmsgHdr.Space(descriptors.Length * sizeof(int));
            Span<byte> control = controlLength <= StackControlBytes ? stackalloc byte[StackControlBytes] : new byte[controlLength];
            control = control[..controlLength];
            control.Clear();
            int added = 0;
            try
            {
                if (!descriptors.IsEmpty)
                {
                    var header = new CmsgHdr
                    {
                        Length = (nuint)CmsgHdr.MessageLength(descriptors.Length * sizeof(int)),
                        Level = SOL_SOCKET,
                        Type = SCM_RIGHTS,
                    };
                    MemoryMarshal.Write(control, in header);
                    for (int i = 0; i < descriptors.Length; i++)
                    {
                        bool success = false;
                        descriptors[i].DangerousAddRef(ref success);
                        added++;
                        int fd = (int)descriptors[i].DangerousGetHandle();
                        MemoryMarshal.Write(control[(CmsgHdr.DataOffset + (i * sizeof(int)))..], in fd);
                    }
                }

                fixed (byte* data = payload)
                fixed (byte* controlBytes = control)
                {
                    var iov = new IoVec { Base = data, Length = (nuint)payload.Length };
                    var message = new MsgHdr
                    {
                        IoVecs = &iov,
                        IoVecCount = 1,
                        Control = controlLength == 0 ? null : controlBytes,
                        ControlLength = (nuint)controlLength,
                    };
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
                for (int i = 0; i < added; i++)
                {
                    descriptors[i].DangerousRelease();
                }
            }
        }

        /// <summary>Control bytes taken from the stack: room for up to six descriptors (the hand-out passes one).</summary>
        private const int StackControlBytes = 40;
    }
}
