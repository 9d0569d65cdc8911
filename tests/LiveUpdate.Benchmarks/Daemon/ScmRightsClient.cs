using System.Net.Sockets;
using LiveUpdate.Benchmarks.Native;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// The client half of the hand-out floor, doing what <c>FdHandoutClient.Redeem</c> does on a fresh connection minus
/// its checks, timeouts and pool: a blocking BCL SOCK_SEQPACKET socket and its connect, the token sent with sendmsg
/// (MSG_NOSIGNAL), one recvmsg with a CMSG_SPACE(sizeof(int)) control buffer and MSG_CMSG_CLOEXEC, then the received
/// descriptor and the socket closed. The same calls through the same wrappers and nothing more, so it stays a floor.
/// </summary>
internal sealed class ScmRightsClient
{
    private readonly UnixDomainSocketEndPoint _endPoint;
    private readonly byte[] _token = Guid.NewGuid().ToByteArray();

    public ScmRightsClient(string socketPath)
    {
        _endPoint = new UnixDomainSocketEndPoint(socketPath);
    }

    /// <summary>One exchange: connect, send the token, receive status and descriptor, close both. Throws on any deviation.</summary>
    public void Exchange(ScmRightsServer server)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        socket.Connect(_endPoint);
        BenchmarkNative.SendMessage(socket, _token, descriptor: null);
        Span<byte> data = stackalloc byte[16];
        var received = BenchmarkNative.ReceiveMessage(socket, data, out var descriptor);
        using (descriptor)
        {
            if (received != 1 || data[0] != 0 || descriptor is null)
            {
                throw new InvalidOperationException(
                    $"the floor server answered {received} bytes, status {(received > 0 ? data[0] : -1)}: {server.Failure ?? "no descriptor"}");
            }
        }
    }
}
