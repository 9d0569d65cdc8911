using LiveUpdate.Service.Limits;
using LiveUpdate.Service.Observability;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace LiveUpdate.Service.Security;

/// <summary>
/// A Kestrel connection middleware for the gRPC Unix socket: reads SO_PEERCRED once per accepted connection, decides
/// whether the peer is an administrator, and sets a <see cref="CallerFeature"/> on the connection, where every request
/// on it finds it (HTTP/2 request features fall back to the connection's). A connection whose credentials cannot be read,
/// is closed before it can send a request. One more than its uid or everyone may hold (<see cref="ConnectionLimits"/>) is
/// closed at accept too, nothing of HTTP/2 set up for it, so thousands of stalled connections cost the daemon a socket
/// each for an instant; only a few at a time are let through for a few seconds to be told why (<see cref="ConnectionRefusal"/>).
/// </summary>
internal static class PeerCredentialsMiddleware
{
    /// <summary>Adds the middleware to <paramref name="listen"/>.</summary>
    public static ListenOptions UsePeerCredentials(this ListenOptions listen)
    {
        var authorization = listen.ApplicationServices.GetRequiredService<CallerAuthorization>();
        var limits = listen.ApplicationServices.GetRequiredService<ConnectionLimits>();
        var connections = limits.Slots;
        var logger = listen.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PeerCredentialsMiddleware));
        listen.Use(next => async connection =>
        {
            var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
            Caller caller;
            try
            {
                caller = authorization.Identify(PeerCredentials.Of(socket ?? throw new InvalidOperationException("the connection has no socket")));
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or InvalidOperationException or ObjectDisposedException)
            {
                FilesLog.NoPeerCredentials(logger, connection.ConnectionId, ex.Message);
                connection.Abort(new ConnectionAbortedException("no peer credentials"));
                return;
            }

            if (connections.TryAcquire(caller.Uid, caller.IsAdmin) is { } refusal)
            {
                if (limits.Log.ShouldLog(caller.Uid, out var suppressed))
                {
                    LimitsLog.ConnectionRefused(logger, caller.Uid, caller.Pid, refusal, suppressed);
                }

                if (!limits.TryBeginExplaining())
                {
                    connection.Abort(new ConnectionAbortedException(refusal));
                    return;
                }

                // A few at a time, briefly: the calls on it are answered RESOURCE_EXHAUSTED with the reason (Api/LimitsInterceptor).
                try
                {
                    using var deadline = new CancellationTokenSource(ConnectionLimits.ExplainFor);
                    using var abort = deadline.Token.Register(() => connection.Abort(new ConnectionAbortedException(refusal)));
                    connection.Features.Set(new ConnectionRefusal(refusal));
                    await next(connection).ConfigureAwait(false);
                }
                finally
                {
                    limits.EndExplaining();
                }

                return;
            }

            try
            {
                connection.Features.Set(new CallerFeature(caller));
                FilesLog.Connected(logger, connection.ConnectionId, caller.Uid, caller.Peer.Gid, caller.Pid, caller.IsAdmin);
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                connections.Release(caller.Uid, caller.IsAdmin);
            }
        });
        return listen;
    }
}
