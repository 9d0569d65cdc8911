namespace LiveUpdate.Service.Handout;

/// <summary>
/// One accepted connection of the descriptor socket. The <see cref="FdHandoutSocket"/> loop thread owns it and its
/// descriptor: it alone reads, writes and closes it.
/// </summary>
internal sealed class FdConnection(SafeDescriptorHandle handle, Interop.Libc.Ucred peer, long lastActivity) : IDisposable
{
    /// <summary>The connected socket (non-blocking, close-on-exec).</summary>
    public SafeDescriptorHandle Handle { get; } = handle;

    /// <summary>SO_PEERCRED of the peer, read once at accept.</summary>
    public Interop.Libc.Ucred Peer { get; } = peer;

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the accept or of the last request.</summary>
    public long LastActivity { get; set; } = lastActivity;

    /// <inheritdoc/>
    public void Dispose() => Handle.Dispose();
}
