using System.Diagnostics;
using LiveUpdate.Benchmarks.Daemon;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// Waits for a restarted daemon to be ACTIVE after its start-up reconcile: GetStatus every millisecond (no retries)
/// until the state is ACTIVE and the last reconcile is the planned update's (not a dry run). The time returned is the
/// answer's arrival, so it is late by at most one poll interval plus one GetStatus round trip. A report that left the
/// region RECONCILING (problems found) throws.
/// </summary>
internal static class ActivePoll
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan s_giveUp = TimeSpan.FromSeconds(30);

    public sealed record Result(long ActiveAt, LifecycleStatus Status, int Polls);

    public static async Task<Result> UntilActiveAsync(DaemonProcess daemon, LiveUpdateClient poller)
    {
        var started = Stopwatch.GetTimestamp();
        var polls = 0;
        while (true)
        {
            polls++;
            var status = await poller.GetStatusAsync().ConfigureAwait(false);
            var answered = Stopwatch.GetTimestamp();
            if (status.State == LifecycleState.Active && status.LastReconcile is { DryRun: false })
            {
                return new Result(answered, status, polls);
            }

            // GetStatus reads the state before the last report: a report may arrive with the state read just before it.
            if (status.LastReconcile is { DryRun: false, State: LifecycleState.Reconciling } stuck)
            {
                throw daemon.Failed($"stayed RECONCILING after its reconcile: {string.Join("; ", stuck.Problems)}");
            }

            if (daemon.HasExited || Stopwatch.GetElapsedTime(started) > s_giveUp)
            {
                throw daemon.Failed($"was not ACTIVE within {s_giveUp.TotalSeconds} s of READY=1 (state {status.State})");
            }

            await Task.Delay(s_interval).ConfigureAwait(false);
        }
    }
}
