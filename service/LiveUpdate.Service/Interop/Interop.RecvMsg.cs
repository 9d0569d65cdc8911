using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "recvmsg", SetLastError = true)]
        private static unsafe partial nint RecvMsgRaw(SafeDescriptorHandle fd, MsgHdr* message, int flags);

        /// <summary>
        /// recvmsg(2) of one message into <paramref name="buffer"/>, without a control buffer, retried on EINTR.
        /// Descriptors a peer attaches are never installed in this process: with no room for them the kernel drops
        /// (closes) them and sets MSG_CTRUNC in <paramref name="messageFlags"/>, as it sets MSG_TRUNC for a message
        /// longer than the buffer. Returns the byte count (0: the peer closed), or -1 with <paramref name="errno"/>.
        /// </summary>
        internal static unsafe int ReceiveMessage(SafeDescriptorHandle fd, Span<byte> buffer, int flags, out int messageFlags, out int errno)
        {
            fixed (byte* data = buffer)
            {
                var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
                var message = new MsgHdr { Iov = &iov, IovLength = 1 };
                while (true)
                {
                    nint received = RecvMsgRaw(fd, &message, flags);
                    if (received >= 0)
                    {
                        messageFlags = message.Flags;
                        errno = 0;
                        return (int)received;
                    }

                    errno = LastErrno;
                    if (errno != EINTR)
                    {
                        messageFlags = 0;
                        return -1;
                    }
                }
            }
        }
    }
}
