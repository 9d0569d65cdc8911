using System.Threading.Channels;
using LiveUpdate.Service.Security;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>
/// One VMM's RegisterVmm stream: who it is, whether it acked the running freeze, and the events waiting to be written to
/// it. Events go through an unbounded channel so that a slow VMM never holds up the freeze that notifies it.
/// </summary>
internal sealed class VmmRegistration(Guid vmUuid, string name, Caller caller, DateTimeOffset registeredAt) : IDisposable
{
    private readonly Lock _lock = new();
    private bool _disposed;
    private readonly Channel<VmmEvent> _events = Channel.CreateUnbounded<VmmEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _ended = new();

    /// <summary>The VM this VMM runs.</summary>
    public Guid VmUuid { get; } = vmUuid;

    /// <summary>Its human-readable name.</summary>
    public string Name { get; } = name;

    /// <summary>The peer credentials of its stream.</summary>
    public Caller Caller { get; } = caller;

    /// <summary>When it registered.</summary>
    public DateTimeOffset RegisteredAt { get; } = registeredAt;

    /// <summary>True while its stream is open.</summary>
    public bool Connected { get; set; } = true;

    /// <summary>Acked the running (or last) freeze.</summary>
    public bool Acked { get; set; }

    /// <summary>When the ack was recorded (<see cref="TimeProvider.GetTimestamp"/> of the registry's clock), or 0.</summary>
    public long AckedAt { get; set; }

    /// <summary>The DEVICE_STATE file it named in its ack, if any.</summary>
    public string DeviceStatePath { get; set; } = string.Empty;

    /// <summary>What the VMM last reported keeps its VM from running (ReportVmmProblem), or empty.</summary>
    public string Problem { get; set; } = string.Empty;

    /// <summary>The events for the stream, in order.</summary>
    public ChannelReader<VmmEvent> Events => _events.Reader;

    /// <summary>Cancelled when the stream must end at once (the daemon stops, or the VMM went away).</summary>
    public CancellationToken Ended => _ended.Token;

    /// <summary>Queues an event for the stream (dropped when the stream is gone).</summary>
    public void Send(VmmEvent e) => _events.Writer.TryWrite(e);

    /// <summary>
    /// A newer registration replaced this one: <paramref name="notice"/> is the stream's last event, written after those
    /// already queued, and the stream then ends by itself.
    /// </summary>
    public void Replace(VmmEvent notice)
    {
        _events.Writer.TryWrite(notice);
        _events.Writer.TryComplete();
    }

    /// <summary>Ends the stream at once: the daemon stops, or the VMM went away.</summary>
    public void End()
    {
        _events.Writer.TryComplete();
        lock (_lock)
        {
            if (!_disposed)
            {
                _ended.Cancel();
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _ended.Dispose();
        }
    }
}
