using System.Net.Sockets;
using Grpc.Net.Client;

namespace LiveUpdate.Fuzz.Tests.Daemon;

/// <summary>A gRPC channel over a Unix socket at any path (the relay's, which speaks for another uid).</summary>
internal static class UnixChannel
{
    public static GrpcChannel For(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}
