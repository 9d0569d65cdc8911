namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// The client half of the hand-out floor, doing what <c>FdHandoutClient.Redeem</c> does minus its checks and timeouts:
/// a fresh blocking SOCK_SEQPACKET connection, the token sent with MSG_NOSIGNAL, one recvmsg with a 24-byte control
/// buffer and MSG_CMSG_CLOEXEC, then the received descriptor and the socket closed.
/// </summary>
internal sealed unsafe class ScmRightsClient
{
    private readonly Interop.Libc.SockAddrUn _address;
    private readonly int _addressLength;
    private readonly byte[] _token = Guid.NewGuid().ToByteArray();

    public ScmRightsClient(string socketPath)
    {
        _address = Interop.Libc.SockAddrUn.For(socketPath, out _addressLength);
    }

    /// <summary>One exchange: connect, send the token, receive status and descriptor, close both. Throws on any deviation.</summary>
    public void Exchange(ScmRightsServer server)
    {
        var socket = Interop.Libc.UnixSocket(Interop.Libc.SOCK_SEQPACKET);
        try
        {
            Interop.Libc.Connect(socket, _address, _addressLength);
            fixed (byte* token = _token)
            {
                var iov = new Interop.Libc.IoVec { Base = token, Length = (nuint)_token.Length };
                var request = new Interop.Libc.MsgHdr { Iov = &iov, IovLength = 1 };
                Interop.Libc.SendMsg(socket, &request);
            }

            var data = stackalloc byte[16];
            var control = stackalloc byte[Interop.Libc.CmsgSpaceOneFd];
            new Span<byte>(control, Interop.Libc.CmsgSpaceOneFd).Clear();
            var replyIov = new Interop.Libc.IoVec { Base = data, Length = 16 };
            var reply = new Interop.Libc.MsgHdr
            {
                Iov = &replyIov,
                IovLength = 1,
                Control = control,
                ControlLength = Interop.Libc.CmsgSpaceOneFd,
            };
            var received = Interop.Libc.RecvMsg(socket, &reply, Interop.Libc.MSG_CMSG_CLOEXEC);
            var header = (Interop.Libc.CmsgHdr*)control;
            if (received != 1 || data[0] != 0 || (reply.Flags & Interop.Libc.MSG_CTRUNC) != 0 || reply.ControlLength < Interop.Libc.CmsgLenOneFd
                || header->Level != Interop.Libc.SOL_SOCKET || header->Type != Interop.Libc.SCM_RIGHTS)
            {
                throw new InvalidOperationException(
                    $"the floor server answered {received} bytes, status {(received > 0 ? data[0] : -1)}, flags 0x{reply.Flags:x}: {server.Failure ?? "no descriptor"}");
            }

            Interop.Libc.Close(*(int*)(control + sizeof(Interop.Libc.CmsgHdr)));
        }
        finally
        {
            Interop.Libc.Close(socket);
        }
    }
}
