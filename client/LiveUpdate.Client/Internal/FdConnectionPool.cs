using System.Net.Sockets;

namespace LiveUpdate.Client.Internal;

/// <summary>
/// Connections to the daemon's fd socket kept between hand-outs (the protocol lets one connection redeem several
/// tokens), so that an Open costs the daemon no accept and the client no connect. At most <see cref="MaxIdle"/> are kept,
/// each for at most <see cref="MaxIdleAge"/>: well inside the daemon's idle timeout (10 s), so the daemon rarely closes one
/// under a client. When it does (a restart, or a daemon short of connections), the token sent on it is never read and
/// <see cref="FdHandoutClient"/> sends it again on a new connection.
/// </summary>
internal sealed class FdConnectionPool(TimeProvider time) : IDisposable
{
    /// <summary>Most idle connections kept: enough for a VMM's concurrent Opens, few against the daemon's 256 connections.</summary>
    internal const int MaxIdle = 4;

    /// <summary>An idle connection older than this is closed rather than used.</summary>
    internal static readonly TimeSpan MaxIdleAge = TimeSpan.FromSeconds(5);

    private readonly long _maxIdleTicks = (long)(MaxIdleAge.TotalSeconds * time.TimestampFrequency);
    private readonly Lock _lock = new();
    private readonly List<IdleConnection> _idle = new(MaxIdle);
    private bool _disposed;

    /// <summary>A pool on the system clock.</summary>
    public FdConnectionPool()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Connections now kept.</summary>
    internal int IdleCount
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>
    /// The most recently returned connection to <paramref name="socketPath"/> that is young enough, now owned by the
    /// caller; null when there is none. Connections too old, or to another path, are closed on the way.
    /// </summary>
    internal Socket? TryRent(string socketPath)
    {
        List<Socket>? stale = null;
        Socket? found = null;
        long now = time.GetTimestamp();
        lock (_lock)
        {
            for (int i = _idle.Count - 1; i >= 0; i--)
            {
                IdleConnection idle = _idle[i];
                _idle.RemoveAt(i);
                if (found is null && IsUsable(idle, socketPath, now))
                {
                    found = idle.Socket;
                    break;
                }

                (stale ??= []).Add(idle.Socket);
            }
        }

        stale?.ForEach(socket => socket.Dispose());
        return found;
    }

    /// <summary>Keeps <paramref name="socket"/>, which has just completed a hand-out, or closes it when the pool is full or disposed.</summary>
    internal void Return(Socket socket, string socketPath)
    {
        lock (_lock)
        {
            if (!_disposed && _idle.Count < MaxIdle)
            {
                _idle.Add(new IdleConnection(socket, socketPath, time.GetTimestamp()));
                return;
            }
        }

        socket.Dispose();
    }

    /// <summary>Closes every kept connection; later returns are closed at once.</summary>
    public void Dispose()
    {
        IdleConnection[] idle;
        lock (_lock)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        foreach (IdleConnection connection in idle)
        {
            connection.Socket.Dispose();
        }
    }

    private bool IsUsable(IdleConnection idle, string socketPath, long now) =>
        now - idle.ReturnedAt < _maxIdleTicks && string.Equals(idle.SocketPath, socketPath, StringComparison.Ordinal);

    private readonly record struct IdleConnection(Socket Socket, string SocketPath, long ReturnedAt);
}
