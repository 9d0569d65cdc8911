using System.Net.Sockets;
using LiveUpdate.Service.Security;

namespace LiveUpdate.Service.Handout;

/// <summary>
/// One accepted connection of the descriptor socket. Its serving task alone reads and writes it; the accept loop may
/// close it to make room, but only while it is between requests (<see cref="TryClaimForRequest"/> and
/// <see cref="TryClaimForClose"/> decide who has it).
/// </summary>
internal sealed class FdConnection(Socket socket, PeerCredentials peer, long lastActivity) : IDisposable
{
    private const int Idle = 0;
    private const int Serving = 1;
    private const int Closed = 2;

    private int _state;
    private long _lastActivity = lastActivity;

    /// <summary>The connected socket (close-on-exec; non-blocking once awaited).</summary>
    public Socket Socket { get; } = socket;

    /// <summary>SO_PEERCRED of the peer, read once at accept.</summary>
    public PeerCredentials Peer { get; } = peer;

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the accept or of the last request.</summary>
    public long LastActivity
    {
        get => Volatile.Read(ref _lastActivity);
        set => Volatile.Write(ref _lastActivity, value);
    }

    /// <summary>True once the connection is closed (its serving task then removes it).</summary>
    public bool IsClosed => Volatile.Read(ref _state) == Closed;

    /// <summary>The serving task takes the connection for one request; false when it was closed meanwhile.</summary>
    public bool TryClaimForRequest() => Interlocked.CompareExchange(ref _state, Serving, Idle) == Idle;

    /// <summary>The request is answered: the connection is idle again (unless it was closed).</summary>
    public void ReleaseAfterRequest() => Interlocked.CompareExchange(ref _state, Idle, Serving);

    /// <summary>Closes the connection if it is between requests (its client has no answer pending); false otherwise.</summary>
    public bool TryClaimForClose()
    {
        if (Interlocked.CompareExchange(ref _state, Closed, Idle) != Idle)
        {
            return false;
        }

        Socket.Dispose();
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Volatile.Write(ref _state, Closed);
        Socket.Dispose();
    }
}
