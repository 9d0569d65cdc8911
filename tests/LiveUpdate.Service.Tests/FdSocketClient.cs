using System.Net.Sockets;
using System.Text;

namespace LiveUpdate.Service.Tests;

/// <summary>
/// A plain .NET SOCK_SEQPACKET client of the descriptor socket. It reads answers without a control buffer, so a descriptor
/// the daemon sends is dropped by the kernel (and never installed here): enough to check status bytes and texts.
/// </summary>
internal sealed class FdSocketClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);

    public FdSocketClient(string path)
    {
        _socket.ReceiveTimeout = 30_000;
        _socket.Connect(new UnixDomainSocketEndPoint(path));
    }

    public Socket Socket => _socket;

    /// <summary>Sends one message and returns the status byte and the text of the answer.</summary>
    public (byte Status, string Text) Ask(ReadOnlySpan<byte> message)
    {
        _socket.Send(message);
        var buffer = new byte[4096];
        var received = _socket.Receive(buffer);
        Assert.True(received >= 1, "the daemon closed the connection instead of answering");
        return (buffer[0], Encoding.UTF8.GetString(buffer, 1, received - 1));
    }

    public void Dispose() => _socket.Dispose();
}
