using System.Net.Sockets;

namespace LiveUpdate.Client.Internal;

/// <summary>The <see cref="SocketsHttpHandler.ConnectCallback"/> that reaches the daemon's gRPC Unix socket.</summary>
internal static class UnixSocketConnector
{
    /// <summary>
    /// A connect callback for <paramref name="socketPath"/>, whatever host the request names. A missing socket file or a
    /// refused connection (daemon down or restarting) surfaces from Grpc.Net.Client as UNAVAILABLE, which is retried.
    /// </summary>
    internal static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> For(string socketPath)
    {
        var endpoint = new UnixDomainSocketEndPoint(socketPath);
        return async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
    }
}
