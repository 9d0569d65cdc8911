using System.Diagnostics;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// What the registered VMMs saw of one freeze, in Stopwatch timestamps: when each saw PREPARE_FOR_UPDATE, sent its
/// AckFreeze and had the answer. <see cref="AllAcked"/> completes when every VMM's ack has been answered, and faults
/// when one failed.
/// </summary>
internal sealed class FreezeRound
{
    private readonly long[] _prepareSeen;
    private readonly long[] _ackSent;
    private readonly long[] _ackAnswered;
    private readonly TaskCompletionSource _allAcked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;

    public FreezeRound(int vmms)
    {
        _prepareSeen = new long[vmms];
        _ackSent = new long[vmms];
        _ackAnswered = new long[vmms];
        _remaining = vmms;
        if (vmms == 0)
        {
            _allAcked.SetResult();
        }
    }

    public Task AllAcked => _allAcked.Task;

    /// <summary>When the last VMM saw PREPARE_FOR_UPDATE.</summary>
    public long LastPrepareSeen => _prepareSeen.Max();

    /// <summary>When the last AckFreeze was sent: from here on the freeze waits only for the daemon.</summary>
    public long LastAckSent => _ackSent.Max();

    /// <summary>Milliseconds of each AckFreeze call, send to answer.</summary>
    public double[] AckMilliseconds() =>
        [.. _ackSent.Select((sent, i) => Stopwatch.GetElapsedTime(sent, _ackAnswered[i]).TotalMilliseconds)];

    public void Acked(int vmm, long prepareSeen, long ackSent, long ackAnswered)
    {
        _prepareSeen[vmm] = prepareSeen;
        _ackSent[vmm] = ackSent;
        _ackAnswered[vmm] = ackAnswered;
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _allAcked.TrySetResult();
        }
    }

    public void Failed(Exception error) => _allAcked.TrySetException(error);
}
