using System.Collections.Concurrent;
using System.Threading.Channels;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>
/// A Freeze call running in the background: every progress message is kept, and a test can wait for a given one
/// (<see cref="WaitForAsync"/>) while the freeze goes on, then for the last (<see cref="FinishAsync"/>).
/// </summary>
internal sealed class FreezeCall
{
    private static readonly TimeSpan s_defaultWait = TimeSpan.FromSeconds(30);

    private readonly Channel<FreezeProgress> _progress = Channel.CreateUnbounded<FreezeProgress>();
    private readonly ConcurrentQueue<FreezeProgress> _all = new();

    private FreezeCall(LiveUpdateClient client, TimeSpan timeout, bool force, CancellationToken cancellationToken)
    {
        Final = Task.Run(async () =>
        {
            try
            {
                return await client.FreezeAsync(timeout, force, p =>
                {
                    _all.Enqueue(p);
                    _progress.Writer.TryWrite(p);
                }, cancellationToken);
            }
            finally
            {
                _progress.Writer.TryComplete();
            }
        }, CancellationToken.None);
    }

    /// <summary>The last message (phase FROZEN or ABORTED).</summary>
    public Task<FreezeProgress> Final { get; }

    /// <summary>Every message so far, in order.</summary>
    public IReadOnlyList<FreezeProgress> Progress => [.. _all];

    /// <summary>Starts Freeze(<paramref name="timeout"/>, <paramref name="force"/>) on <paramref name="client"/>.</summary>
    public static FreezeCall Start(LiveUpdateClient client, TimeSpan timeout, bool force = false, CancellationToken cancellationToken = default) =>
        new(client, timeout, force, cancellationToken);

    /// <summary>Runs a whole freeze and returns its last message and all its messages.</summary>
    public static async Task<(FreezeProgress Final, IReadOnlyList<FreezeProgress> All)> RunAsync(LiveUpdateClient client, TimeSpan timeout, bool force = false)
    {
        var call = Start(client, timeout, force);
        var final = await call.FinishAsync(timeout + s_defaultWait);
        return (final, call.Progress);
    }

    /// <summary>Consumes messages up to the next one that matches; fails when the freeze ends first or after the wait.</summary>
    public async Task<FreezeProgress> WaitForAsync(Func<FreezeProgress, bool> match, string what, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? s_defaultWait);
        try
        {
            while (await _progress.Reader.WaitToReadAsync(limit.Token))
            {
                while (_progress.Reader.TryRead(out var p))
                {
                    if (match(p))
                    {
                        return p;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the freeze sent no message with {what} within {(timeout ?? s_defaultWait).TotalSeconds:0} s; so far:\n{Describe()}");
        }

        Assert.Fail($"the freeze ended without a message with {what}:\n{Describe()}");
        return null!;
    }

    /// <summary>Waits for the phase WAITING_FOR_ACKS: the gate is closed and PREPARE_FOR_UPDATE was sent.</summary>
    public Task<FreezeProgress> WaitingForAcksAsync() =>
        WaitForAsync(p => p.Phase == FreezePhase.WaitingForAcks, "phase WAITING_FOR_ACKS");

    /// <summary>The last message, within <paramref name="timeout"/>.</summary>
    public async Task<FreezeProgress> FinishAsync(TimeSpan? timeout = null)
    {
        try
        {
            return await Final.WaitAsync(timeout ?? s_defaultWait);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the freeze did not end within {(timeout ?? s_defaultWait).TotalSeconds:0} s; so far:\n{Describe()}");
            return null!;
        }
    }

    /// <summary>The messages so far, one per line.</summary>
    public string Describe() => string.Join('\n', Progress.Select(p => "  " + p));
}
