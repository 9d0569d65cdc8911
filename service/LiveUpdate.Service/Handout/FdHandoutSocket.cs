using System.Text;
using LiveUpdate.Protocol;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Regions;
using Microsoft.Extensions.Options;
using SocketDirectory = LiveUpdate.Service.Sockets.SocketDirectory;

namespace LiveUpdate.Service.Handout;

/// <summary>
/// The descriptor socket, <c>{socket-dir}/fd.sock</c> (AF_UNIX, SOCK_SEQPACKET): redeems Open's tokens for descriptors
/// of the region device, passed with SCM_RIGHTS (the protocol is in files.proto, on OpenResponse).
/// <para>
/// One dedicated thread serves it with poll(2) over the listening socket, an eventfd that asks it to stop, and every
/// connection. Clients keep connections between hand-outs (one connection may redeem several tokens), so at most
/// <see cref="MaxConnections"/> are kept: a new connection beyond that closes the one idle longest (if for a second or
/// more; otherwise it waits in the backlog), whose client connects again when it needs to. All sockets are non-blocking,
/// so a client that sends nothing, or never reads its answer, cannot hold anyone else up: a connection idle for
/// <see cref="IdleTimeout"/> is closed, and one whose answer does not fit in its receive queue is dropped. Each request
/// opens the region device afresh (O_RDONLY or O_RDWR, O_CLOEXEC): the client gets a descriptor of its own to close.
/// </para>
/// Ownership of descriptors: the listening socket and the eventfd belong to this object (closed after the thread has
/// ended); connections belong to the loop thread (<see cref="FdConnection"/>); a region descriptor opened for a hand-out
/// belongs to the loop thread until sendmsg has copied it into the message, and is closed right after, sent or not; the
/// client owns the copy it receives.
/// </summary>
internal sealed class FdHandoutSocket(
    IOptions<DaemonOptions> options,
    HandoutTokens tokens,
    RegionHost regionHost,
    SocketDirectory socketDirectory,
    DaemonMetrics metrics,
    TimeProvider time,
    ILogger<FdHandoutSocket> logger) : IHostedService, IDisposable
{
    /// <summary>Most connections served at once.</summary>
    public const int MaxConnections = 256;

    /// <summary>A connection without a request for this long is closed.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Longest error text sent back.</summary>
    private const int MaxErrorBytes = 1024;

    /// <summary>Receive buffer: longer than a token, so that a longer message is seen as such (MSG_TRUNC too).</summary>
    private const int ReceiveBytes = 64;

    private static readonly TimeSpan s_acceptPause = TimeSpan.FromMilliseconds(100);

    /// <summary>A connection idle this long may be closed to make room for a new one.</summary>
    private static readonly TimeSpan s_closableAfter = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private SafeDescriptorHandle? _listener;
    private SafeDescriptorHandle? _wake;
    private Thread? _thread;
    private volatile bool _serving;
    private string _path = string.Empty;

    /// <summary>True while the loop thread runs.</summary>
    public bool IsServing => _serving;

    /// <summary>The socket's path.</summary>
    public string Path => _path;

    /// <summary>Binds (mode 0660, the directory's group), listens and starts the loop thread.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_thread is not null)
            {
                return Task.CompletedTask;
            }

            _path = options.Value.FdSocketPath;
            var listener = Interop.Libc.Socket(Interop.Libc.AF_UNIX,
                Interop.Libc.SOCK_SEQPACKET | Interop.Libc.SOCK_CLOEXEC | Interop.Libc.SOCK_NONBLOCK, $"descriptor socket {_path}");
            try
            {
                Interop.Libc.BindUnix(listener, _path);
                socketDirectory.SecureSocket(_path);
                Interop.Libc.Listen(listener, 128, _path);
                _wake = Interop.Libc.EventFd("the descriptor socket's stop signal");
            }
            catch
            {
                listener.Dispose();
                throw;
            }

            _listener = listener;
            _serving = true;
            _thread = new Thread(Run) { IsBackground = true, Name = "fd-handout" };
            _thread.Start();
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops accepting, finishes the request in hand, closes every connection and the listening socket.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Stop();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void Dispose() => Stop();

    private void Stop()
    {
        lock (_lock)
        {
            if (_thread is { } thread)
            {
                Interop.Libc.SignalEventFd(_wake!);
                thread.Join();
                _thread = null;
            }

            _listener?.Dispose();
            _listener = null;
            _wake?.Dispose();
            _wake = null;
        }
    }

    private void Run()
    {
        var connections = new List<FdConnection>();
        try
        {
            HandoutLog.Listening(logger, _path, MaxConnections);
            Serve(connections);
        }
        catch (Exception ex)
        {
            HandoutLog.LoopFailed(logger, _path, ex);
        }
        finally
        {
            _serving = false;
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    private void Serve(List<FdConnection> connections)
    {
        var listener = _listener!;
        var wake = _wake!;
        var fds = new Interop.Libc.PollFd[MaxConnections + 2];
        var acceptResumesAt = 0L;
        while (true)
        {
            var now = time.GetTimestamp();
            var count = 0;
            fds[count++] = new Interop.Libc.PollFd { Fd = wake.Fd, Events = Interop.Libc.POLLIN };
            var acceptPaused = now < acceptResumesAt;
            var listenerIndex = -1;
            if (!acceptPaused)
            {
                listenerIndex = count;
                fds[count++] = new Interop.Libc.PollFd { Fd = listener.Fd, Events = Interop.Libc.POLLIN };
            }

            var first = count;
            foreach (var connection in connections)
            {
                fds[count++] = new Interop.Libc.PollFd { Fd = connection.Handle.Fd, Events = Interop.Libc.POLLIN };
            }

            Interop.Libc.Poll(fds.AsSpan(0, count), TimeoutMilliseconds(connections, now, acceptPaused ? acceptResumesAt : 0));
            if (fds[0].ReturnedEvents != 0)
            {
                return;
            }

            // Serve the connections first (their indexes in fds match the list as it was), then drop the closed ones.
            now = time.GetTimestamp();
            for (var i = connections.Count - 1; i >= 0; i--)
            {
                var events = fds[first + i].ReturnedEvents;
                var connection = connections[i];
                var keep = events == 0
                    ? time.GetElapsedTime(connection.LastActivity, now) < IdleTimeout
                    : (events & Interop.Libc.POLLIN) != 0 && ServeOne(connection, now);
                if (!keep)
                {
                    connection.Dispose();
                    connections.RemoveAt(i);
                }
            }

            if (listenerIndex >= 0 && fds[listenerIndex].ReturnedEvents != 0 && !AcceptAll(listener, connections, now))
            {
                acceptResumesAt = now + (long)(s_acceptPause.TotalSeconds * time.TimestampFrequency);
            }
        }
    }

    /// <summary>poll's timeout: until the next idle connection expires or accepting resumes; -1 (forever) when neither.</summary>
    private int TimeoutMilliseconds(List<FdConnection> connections, long now, long acceptResumesAt)
    {
        var earliest = acceptResumesAt == 0 ? long.MaxValue : acceptResumesAt;
        var idle = (long)(IdleTimeout.TotalSeconds * time.TimestampFrequency);
        foreach (var connection in connections)
        {
            earliest = Math.Min(earliest, connection.LastActivity + idle);
        }

        if (earliest == long.MaxValue)
        {
            return -1;
        }

        var milliseconds = Math.Ceiling(time.GetElapsedTime(now, earliest).TotalMilliseconds);
        return (int)Math.Clamp(milliseconds, 0, int.MaxValue);
    }

    /// <summary>
    /// Accepts every pending connection, closing the longest idle one for each beyond <see cref="MaxConnections"/>; false
    /// when accepting should pause: the process is out of descriptors, or every connection is busy (no connection has been
    /// idle for <see cref="s_closableAfter"/>, so new ones wait in the backlog while those are served).
    /// </summary>
    private bool AcceptAll(SafeDescriptorHandle listener, List<FdConnection> connections, long now)
    {
        while (true)
        {
            var longestIdle = connections.Count >= MaxConnections ? LongestIdle(connections, now) : -1;
            if (longestIdle == int.MinValue)
            {
                return false;
            }

            if (!Interop.Libc.TryAccept(listener, Interop.Libc.SOCK_CLOEXEC | Interop.Libc.SOCK_NONBLOCK, out var accepted, out var errno))
            {
                if (errno is Interop.Libc.EMFILE or Interop.Libc.ENFILE or Interop.Libc.ENOBUFS or Interop.Libc.ENOMEM)
                {
                    HandoutLog.AcceptFailed(logger, _path, Interop.Libc.Describe(errno));
                    return false;
                }

                return true; // EAGAIN: nothing more pending; ECONNABORTED: that one is gone.
            }

            try
            {
                var peer = Interop.Libc.GetPeerCredentials(accepted!, _path);
                if (longestIdle >= 0)
                {
                    connections[longestIdle].Dispose();
                    connections.RemoveAt(longestIdle);
                }

                connections.Add(new FdConnection(accepted!, peer, now));
            }
            catch (ErrnoException ex)
            {
                HandoutLog.AcceptFailed(logger, _path, ex.Message);
                accepted!.Dispose();
            }
        }
    }

    /// <summary>
    /// The connection to close to make room for a new one: the one idle longest, if for at least
    /// <see cref="s_closableAfter"/>; <see cref="int.MinValue"/> when none has been. Every connection is between requests
    /// here (this thread has served what poll reported), so the one closed has no answer pending; a token its client sends
    /// meanwhile is never read, and the client sends it again on a new connection.
    /// </summary>
    private int LongestIdle(List<FdConnection> connections, long now)
    {
        var oldest = 0;
        for (var i = 1; i < connections.Count; i++)
        {
            if (connections[i].LastActivity < connections[oldest].LastActivity)
            {
                oldest = i;
            }
        }

        return time.GetElapsedTime(connections[oldest].LastActivity, now) >= s_closableAfter ? oldest : int.MinValue;
    }

    /// <summary>Reads one request and answers it; false when the connection is to be closed.</summary>
    private bool ServeOne(FdConnection connection, long now)
    {
        Span<byte> request = stackalloc byte[ReceiveBytes];
        var received = Interop.Libc.ReceiveMessage(connection.Handle, request,
            Interop.Libc.MSG_DONTWAIT | Interop.Libc.MSG_CMSG_CLOEXEC, out var messageFlags, out var errno);
        if (received < 0)
        {
            return errno == Interop.Libc.EAGAIN;
        }

        if (received == 0)
        {
            return false; // The peer closed (the protocol has no empty message).
        }

        connection.LastActivity = now;
        if ((messageFlags & (Interop.Libc.MSG_TRUNC | Interop.Libc.MSG_CTRUNC)) != 0 || received != HandoutToken.Size)
        {
            if ((messageFlags & Interop.Libc.MSG_TRUNC) == 0 && received == HandoutToken.Size)
            {
                // A token was presented (with descriptors attached): it is consumed by this first attempt whatever
                // the outcome, as files.proto promises, so a refused presentation can never be replayed.
                tokens.Redeem(request[..received], connection.Peer.Uid, out _);
            }

            var what = (messageFlags & Interop.Libc.MSG_CTRUNC) != 0
                ? "a message carrying descriptors (they were discarded)"
                : (messageFlags & Interop.Libc.MSG_TRUNC) != 0 ? $"a message longer than {ReceiveBytes} bytes" : $"{received} bytes";
            return Refuse(connection, HandoutStatus.MalformedRequest, $"expected one message of the {HandoutToken.Size}-byte token, got {what}", null);
        }

        var status = tokens.Redeem(request[..received], connection.Peer.Uid, out var grant);
        return status switch
        {
            HandoutStatus.Ok => HandOut(connection, grant!),
            HandoutStatus.UnknownToken => Refuse(connection, status, "unknown or already used token", null),
            HandoutStatus.Expired => Refuse(connection, status, $"the token expired at {grant!.ExpiresAt:O}; call Open again", grant),
            HandoutStatus.PeerUidMismatch => Refuse(connection, status,
                $"the token was issued to uid {grant!.Uid}, and this connection is uid {connection.Peer.Uid}", grant),
            _ => Refuse(connection, HandoutStatus.MalformedRequest, "malformed request", null),
        };
    }

    private bool HandOut(FdConnection connection, HandoutGrant grant)
    {
        var path = regionHost.RegionPath;
        if (regionHost.Region is null)
        {
            return Refuse(connection, HandoutStatus.OpenFailed, "the region is not attached (the daemon is stopping)", grant);
        }

        var flags = (grant.Writable ? Interop.Libc.O_RDWR : Interop.Libc.O_RDONLY) | Interop.Libc.O_CLOEXEC | Interop.Libc.O_NOCTTY;
        if (!Interop.Libc.TryOpen(path, flags, out var descriptor, out var errno))
        {
            return Refuse(connection, HandoutStatus.OpenFailed, $"open of region {path} failed: {Interop.Libc.Describe(errno)}", grant);
        }

        // This thread owns `descriptor` until it is closed below; sendmsg gives the client its own copy.
        using (descriptor)
        {
            if (!Interop.Libc.TryFstatx(descriptor!, out var status, out errno) || status.Identity != regionHost.RegionIdentity)
            {
                return Refuse(connection, HandoutStatus.OpenFailed,
                    $"{path} no longer refers to the attached region device; refusing to hand it out", grant);
            }

            var sent = Interop.Libc.SendMessage(connection.Handle, [(byte)HandoutStatus.Ok], descriptor,
                Interop.Libc.MSG_NOSIGNAL | Interop.Libc.MSG_DONTWAIT, out errno);
            if (sent < 0)
            {
                metrics.Handout(HandoutStatus.OpenFailed);
                HandoutLog.SendFailed(logger, connection.Peer.Uid, connection.Peer.Pid, grant.Path, Interop.Libc.Describe(errno));
                return false;
            }
        }

        metrics.Handout(HandoutStatus.Ok);
        HandoutLog.HandedOut(logger, connection.Peer.Uid, connection.Peer.Pid, grant.Path, grant.Inode, grant.Generation, grant.AccessName, grant.Pid, path);
        return true;
    }

    private bool Refuse(FdConnection connection, HandoutStatus status, string reason, HandoutGrant? grant)
    {
        metrics.Handout(status);
        HandoutLog.Refused(logger, connection.Peer.Uid, connection.Peer.Pid, (byte)status, status, grant?.Path ?? "-", reason);
        Span<byte> answer = stackalloc byte[1 + MaxErrorBytes];
        answer[0] = (byte)status;
        var text = reason.Length > MaxErrorBytes / 4 ? reason[..(MaxErrorBytes / 4)] : reason;
        var length = 1 + Encoding.UTF8.GetBytes(text, answer[1..]);
        var sent = Interop.Libc.SendMessage(connection.Handle, answer[..length], null, Interop.Libc.MSG_NOSIGNAL | Interop.Libc.MSG_DONTWAIT, out _);
        return sent >= 0;
    }
}
