using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>recvmsg output flag: the control buffer was too small; descriptors that did not fit were closed.</summary>
        internal const int MSG_CTRUNC = 0x08;

        /// <summary>recvmsg output flag: the message was longer than the data buffer; the rest was discarded.</summary>
        internal const int MSG_TRUNC = 0x20;

        /// <summary>recvmsg input flag: set close-on-exec on every descriptor received (atomically, no fork race).</summary>
        internal const int MSG_CMSG_CLOEXEC = 0x40000000;

        [LibraryImport(Libraries.Libc, EntryPoint = "recvmsg", SetLastError = true)]
        private static unsafe partial nint RecvMsgRaw(SafeHandle socket, MsgHdr* message, int flags);

        /// <summary>
        /// recvmsg(2) of one message on <paramref name="socket"/> (a <see cref="System.Net.Sockets.Socket.SafeHandle"/>)
        /// into <paramref name="buffer"/>, and its control messages into <paramref name="control"/>, retried on EINTR.
        /// Returns the bytes received (0: the peer closed), or -1 with <paramref name="errno"/> (EAGAIN: nothing to read
        /// yet, or SO_RCVTIMEO expired). <paramref name="messageFlags"/> reports MSG_TRUNC and MSG_CTRUNC;
        /// <paramref name="controlLength"/> how much of <paramref name="control"/> the kernel filled.
        /// Ownership: every descriptor delivered in <paramref name="control"/> now belongs to the caller, who must close
        /// it, also when the message is refused. With an empty <paramref name="control"/>, descriptors a peer attached are
        /// never installed in this process: the kernel drops them and sets MSG_CTRUNC.
        /// </summary>
        internal static unsafe int ReceiveMessage(
            SafeHandle socket, Span<byte> buffer, Span<byte> control, int flags, out int messageFlags, out int controlLength, out int errno)
        {
            fixed (byte* data = buffer)
            fixed (byte* controlBytes = control)
            {
                var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
                var message = new MsgHdr
                {
                    IoVecs = &iov,
                    IoVecCount = 1,
                    Control = control.IsEmpty ? null : controlBytes,
                    ControlLength = (nuint)control.Length,
                };
                while (true)
                {
                    nint received = RecvMsgRaw(socket, &message, flags);
                    if (received >= 0)
                    {
                        messageFlags = message.Flags;
                        controlLength = (int)Math.Min(message.ControlLength, (nuint)control.Length);
                        errno = 0;
                        return (int)received;
                    }

                    errno = LastErrno;
                    if (errno != EINTR)
                    {
                        messageFlags = 0;
                        controlLength = 0;
                        return -1;
                    }
                }
            }
        }
    }
}
