using System.Diagnostics;
using LiveUpdate.Benchmarks.Daemon;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// The freeze barrier on a running daemon, Freeze then Thaw, round after round: the time from calling Freeze to its
/// FROZEN message, with the registered VMMs (if any) acking as soon as they see PREPARE_FOR_UPDATE. With VMMs, also the
/// fan-out (Freeze called to the last VMM seeing PREPARE_FOR_UPDATE), the AckFreeze round trip, and the seal after the
/// last ack (the last AckFreeze sent to the FROZEN message).
/// </summary>
internal static class FreezeBenchmark
{
    private static readonly TimeSpan s_settle = TimeSpan.FromMilliseconds(20);

    public sealed record Result(
        Samples FreezeMs,
        Samples DaemonElapsedMs,
        Samples ThawMs,
        Samples ProgressMessages,
        Samples? FanOutMs,
        Samples? AckP50Ms,
        Samples? SealAfterLastAckMs);

    public static async Task<Result> RunAsync(LiveUpdateClient admin, VmmSessions? vmms, int warmups, int rounds)
    {
        var freeze = new List<double>();
        var daemonElapsed = new List<double>();
        var thaw = new List<double>();
        var messages = new List<double>();
        var fanOut = new List<double>();
        var ackP50 = new List<double>();
        var seal = new List<double>();
        for (var i = 0; i < warmups + rounds; i++)
        {
            var round = vmms?.BeginRound();
            var timed = await TimedFreeze.RunAsync(admin).ConfigureAwait(false);
            if (round is not null)
            {
                await round.AllAcked.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }

            var thawStarted = Stopwatch.GetTimestamp();
            var thawed = await admin.ThawAsync().ConfigureAwait(false);
            var thawMs = Stopwatch.GetElapsedTime(thawStarted).TotalMilliseconds;
            if (thawed.State != LifecycleState.Active || thawed.PreviousState != LifecycleState.Frozen)
            {
                throw new InvalidOperationException($"Thaw left {thawed.State} (found {thawed.PreviousState}), not ACTIVE from FROZEN");
            }

            if (i >= warmups)
            {
                freeze.Add(timed.Milliseconds);
                daemonElapsed.Add(timed.DaemonElapsedMs);
                thaw.Add(thawMs);
                messages.Add(timed.Messages);
                if (round is not null)
                {
                    fanOut.Add(Stopwatch.GetElapsedTime(timed.StartedAt, round.LastPrepareSeen).TotalMilliseconds);
                    ackP50.Add(Percentile.Of(round.AckMilliseconds(), 0.5));
                    seal.Add(Stopwatch.GetElapsedTime(round.LastAckSent, timed.FrozenAt).TotalMilliseconds);
                }
            }

            // THAWED reaches every VMM before the next PREPARE_FOR_UPDATE is sent.
            await Task.Delay(s_settle).ConfigureAwait(false);
        }

        return new Result(
            new Samples(freeze), new Samples(daemonElapsed), new Samples(thaw), new Samples(messages),
            vmms is null ? null : new Samples(fanOut),
            vmms is null ? null : new Samples(ackP50),
            vmms is null ? null : new Samples(seal));
    }
}
