using System.Diagnostics;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// One Freeze call, timed on this process's Stopwatch: from just before <see cref="LiveUpdateClient.FreezeAsync"/> to the
/// arrival of its FROZEN message (stamped in the progress callback, before the stream's end is awaited). Anything but
/// FROZEN (ABORTED, a forced seal) throws.
/// </summary>
internal sealed record TimedFreeze(long StartedAt, long FrozenAt, FreezeProgress Final, int Messages)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    /// <summary>Milliseconds from the call to the FROZEN message.</summary>
    public double Milliseconds => Stopwatch.GetElapsedTime(StartedAt, FrozenAt).TotalMilliseconds;

    /// <summary>The freeze's own elapsed time as the daemon reported it in the FROZEN message.</summary>
    public double DaemonElapsedMs => Final.Elapsed.ToTimeSpan().TotalMilliseconds;

    public static async Task<TimedFreeze> RunAsync(LiveUpdateClient admin)
    {
        long frozenAt = 0;
        var messages = 0;
        var started = Stopwatch.GetTimestamp();
        var final = await admin.FreezeAsync(s_timeout, force: false, progress: p =>
        {
            messages++;
            if (p.Phase == FreezePhase.Frozen)
            {
                frozenAt = Stopwatch.GetTimestamp();
            }
        }).ConfigureAwait(false);
        if (final.Phase != FreezePhase.Frozen || final.Forced || frozenAt == 0)
        {
            throw new InvalidOperationException($"the freeze ended {final.Phase}{(final.Forced ? " (forced)" : string.Empty)}: {final.Message}");
        }

        return new TimedFreeze(started, frozenAt, final, messages);
    }
}
