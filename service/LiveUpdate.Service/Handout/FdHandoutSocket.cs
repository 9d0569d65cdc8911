using System.Net.Sockets;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Security;
using LiveUpdate.Service.Sockets;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Handout;

/// <summary>
/// The descriptor socket, <c>{socket-dir}/fd.sock</c> (AF_UNIX, SOCK_SEQPACKET): redeems Open's tokens for descriptors
/// of the region device, passed with SCM_RIGHTS (the protocol is in files.proto, on OpenResponse).
/// <para>
/// A .NET <see cref="System.Net.Sockets.Socket"/> listens; an accept loop takes connections and one task per connection
/// waits (asynchronously, on the runtime's epoll) for each request. Only the messages themselves go through recvmsg and
/// sendmsg (<see cref="Interop.Libc.ReceiveMessage"/>, <see cref="Interop.Libc.SendMessage"/>): the BCL has no call that
/// attaches a descriptor or reports MSG_TRUNC and MSG_CTRUNC. Clients keep connections between hand-outs (one
/// connection may redeem several tokens), so at most <see cref="MaxConnections"/> are kept: a new connection beyond that
/// closes the one idle longest (if for a second or more; otherwise it waits until one is), whose client connects again
/// when it needs to. Nothing blocks: a client that sends nothing, or never reads its answer, holds no one else up: a
/// connection idle for <see cref="IdleTimeout"/> is closed, and one whose answer does not fit in its receive queue is
/// dropped. Each request opens the region device afresh (O_RDONLY or O_RDWR, O_CLOEXEC): the client gets a descriptor
/// of its own to close.
/// </para>
/// Ownership of descriptors: the listening socket belongs to this object; each connection to its serving task
/// (<see cref="FdConnection"/>); a region descriptor opened for a hand-out belongs to the serving task until sendmsg has
/// copied it into the message, and is closed right after, sent or not; the client owns the copy it receives. Who
/// received a guest-memory descriptor is remembered (<see cref="DescriptorHolders"/>) for the freeze.
/// </summary>
internal sealed partial class FdHandoutSocket(
    IOptions<DaemonOptions> options,
    HandoutTokens tokens,
    DescriptorHolders holders,
    RegionHost regionHost,
    DaemonSocketDirectory socketDirectory,
    DaemonMetrics metrics,
    TimeProvider time,
    ILogger<FdHandoutSocket> logger) : IHostedService, IDisposable
{
    /// <summary>Most connections served at once.</summary>
    public const int MaxConnections = 256;

    /// <summary>A connection without a request for this long is closed.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Receive buffer: longer than a token, so that a longer message is seen as such (MSG_TRUNC too).</summary>
    private const int ReceiveBytes = 64;

    /// <summary>How long accepting pauses when the process is out of descriptors, or every connection is busy.</summary>
    private static readonly TimeSpan s_acceptPause = TimeSpan.FromMilliseconds(100);

    /// <summary>A connection idle this long may be closed to make room for a new one.</summary>
    private static readonly TimeSpan s_closableAfter = TimeSpan.FromSeconds(1);

    private readonly Lock _lifecycle = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<FdConnection, Task> _connections = [];
    private Socket? _listener;
    private CancellationTokenSource? _stopping;
    private Task? _acceptLoop;
    private volatile bool _isServing;
    private string _path = string.Empty;

    /// <summary>True while the accept loop runs.</summary>
    public bool IsServing => _isServing;

    /// <summary>The socket's path.</summary>
    public string Path => _path;

    /// <summary>Binds (mode 0660, the directory's group), listens and starts the accept loop.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lifecycle)
        {
            if (_acceptLoop is not null)
            {
                return Task.CompletedTask;
            }

            _path = options.Value.FdSocketPath;
            var listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
            try
            {
                listener.Bind(new UnixDomainSocketEndPoint(_path));
                socketDirectory.SecureSocket(_path);
                listener.Listen(128);
            }
            catch
            {
                listener.Dispose();
                throw;
            }

            _listener = listener;
            _stopping = new CancellationTokenSource();
            _isServing = true;
            _acceptLoop = AcceptLoopAsync(listener, _stopping.Token);
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops accepting, lets the requests in hand finish, closes every connection and the listening socket.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Stop();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void Dispose() => Stop();

    private void Stop()
    {
        lock (_lifecycle)
        {
            if (_acceptLoop is not { } acceptLoop)
            {
                return;
            }

            _stopping!.Cancel();
            _listener!.Dispose();
            acceptLoop.Wait();

            Task[] serving;
            lock (_lock)
            {
                foreach (var connection in _connections.Keys)
                {
                    // A request in hand finishes (its task holds the connection); the others stop waiting for one.
                    connection.TryClaimForClose();
                }

                serving = [.. _connections.Values];
            }

            // Outside _lock: each serving task takes it to remove its connection as it ends.
            Task.WaitAll(serving);
            _stopping.Dispose();
            _stopping = null;
            _listener = null;
            _acceptLoop = null;
        }
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stopping)
    {
        await Task.Yield(); // start-up returns at once; the loop runs on the thread pool
        try
        {
            HandoutLog.Listening(logger, _path, MaxConnections);
            while (!stopping.IsCancellationRequested)
            {
                Socket accepted;
                try
                {
                    accepted = await listener.AcceptAsync(stopping).ConfigureAwait(false);
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
                {
                    continue; // that one is gone
                }
                catch (SocketException ex) when (!stopping.IsCancellationRequested)
                {
                    // Out of descriptors (EMFILE, ENFILE) or memory (ENOBUFS, ENOMEM): pause rather than spin.
                    HandoutLog.AcceptFailed(logger, _path, ex.Message);
                    await Task.Delay(s_acceptPause, time, stopping).ConfigureAwait(false);
                    continue;
                }

                PeerCredentials peer;
                try
                {
                    peer = PeerCredentials.Of(accepted);
                }
                catch (SocketException ex)
                {
                    HandoutLog.AcceptFailed(logger, _path, $"getsockopt(SO_PEERCRED): {ex.Message}");
                    accepted.Dispose();
                    continue;
                }

                var connection = new FdConnection(accepted, peer, time.GetTimestamp());
                try
                {
                    await MakeRoomAsync(stopping).ConfigureAwait(false);
                }
                catch
                {
                    connection.Dispose();
                    throw;
                }

                lock (_lock)
                {
                    _connections.Add(connection, ServeAsync(connection));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            HandoutLog.LoopFailed(logger, _path, ex);
        }
        finally
        {
            _isServing = false;
        }
    }

    /// <summary>
    /// At <see cref="MaxConnections"/>, closes the connection idle longest if it has been idle for
    /// <see cref="s_closableAfter"/>; while none has been (every connection is busy), waits, so that the connections after
    /// this one wait in the backlog while those are served. A connection that is between requests has no answer pending:
    /// a token its client sends meanwhile is never read, and the client sends it again on a new connection.
    /// </summary>
    private async Task MakeRoomAsync(CancellationToken stopping)
    {
        while (true)
        {
            lock (_lock)
            {
                if (_connections.Count < MaxConnections)
                {
                    return;
                }

                var now = time.GetTimestamp();
                foreach (var candidate in _connections.Keys.OrderBy(connection => connection.LastActivity))
                {
                    if (time.GetElapsedTime(candidate.LastActivity, now) < s_closableAfter)
                    {
                        break;
                    }

                    if (candidate.IsClosed || candidate.TryClaimForClose())
                    {
                        return; // its serving task removes it as it ends
                    }
                }
            }

            await Task.Delay(s_acceptPause, time, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Serves one connection until its client closes it, it is idle for <see cref="IdleTimeout"/>, an answer cannot be
    /// sent, or the daemon stops. Each wait is a zero-byte MSG_PEEK receive: it completes when a request is there (or the
    /// peer closed) without consuming it, so that recvmsg then reads the whole message with its flags.
    /// </summary>
    private async Task ServeAsync(FdConnection connection)
    {
        await Task.Yield(); // the accept loop goes on at once
        var request = new byte[ReceiveBytes];
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        try
        {
            while (true)
            {
                idle.CancelAfter(IdleTimeout);
                await connection.Socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek, idle.Token).ConfigureAwait(false);
                if (!idle.TryReset() || !connection.TryClaimForRequest())
                {
                    return; // idle for too long, or closed to make room
                }

                bool keep;
                try
                {
                    keep = ServeOne(connection, request, time.GetTimestamp());
                }
                finally
                {
                    connection.ReleaseAfterRequest();
                }

                if (!keep)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Idle timeout, closed to make room or at stop, or the peer reset the connection.
        }
        finally
        {
            connection.Dispose();
            lock (_lock)
            {
                _connections.Remove(connection);
            }
        }
    }
}
