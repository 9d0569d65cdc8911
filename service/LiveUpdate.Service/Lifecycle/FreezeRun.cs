using System.Threading.Channels;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>One running freeze: when it began, a wake-up for every change it must look at, and an abort request.</summary>
internal sealed class FreezeRun(long startedAt) : IDisposable
{
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _abortReason;

    /// <summary>The timestamp (TimeProvider) it began at.</summary>
    public long StartedAt { get; } = startedAt;

    /// <summary>Cancelled by <see cref="RequestAbort"/>.</summary>
    public CancellationToken AbortToken => _abort.Token;

    /// <summary>True once an abort was requested.</summary>
    public bool AbortRequested => _abortReason is not null;

    /// <summary>Why an abort was requested, or null.</summary>
    public string? AbortReason => _abortReason;

    /// <summary>Completes when the freeze has ended (sealed or aborted).</summary>
    public Task Finished => _finished.Task;

    /// <summary>Wakes the freeze to look again (coalesced).</summary>
    public void Signal() => _changes.Writer.TryWrite(true);

    /// <summary>Waits for a change: true, or false when <paramref name="cancellationToken"/> ends the wait.</summary>
    public async Task<bool> WaitForChangeAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _changes.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Asks the freeze to abort back to ACTIVE.</summary>
    public void RequestAbort(string reason)
    {
        _abortReason ??= reason;
        if (!_finished.Task.IsCompleted)
        {
            _abort.Cancel();
        }
    }

    /// <summary>Marks the freeze ended.</summary>
    public void Complete() => _finished.TrySetResult();

    /// <inheritdoc/>
    public void Dispose() => _abort.Dispose();
}
