using System.Diagnostics;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Client;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// Reconcile(dry_run) calls on a daemon that is ACTIVE and has reconciled before, back to back: the same check and
/// comparison as the start-up reconcile, on warm code and an open libvirt connection, changing nothing. For comparison
/// with the start-up reconcile a planned update runs (first call of that code in a new process).
/// </summary>
internal static class DryRunReconcileBenchmark
{
    public sealed record Result(Samples ExcludingInventoryMs, Samples TotalMs, Samples InventoryMs, Samples RoundTripMs);

    public static async Task<Result> RunAsync(LiveUpdateClient admin, int warmups, int repetitions)
    {
        var excluding = new List<double>();
        var total = new List<double>();
        var inventory = new List<double>();
        var roundTrip = new List<double>();
        for (var i = 0; i < warmups + repetitions; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var report = await admin.ReconcileAsync(dryRun: true).ConfigureAwait(false);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!report.DryRun || report.Resumable != VmFleet.Count || report.Problems.Count > 0)
            {
                throw new InvalidOperationException($"the dry run reported {report.Resumable} resumable VMs and {report.Problems.Count} problems");
            }

            if (i >= warmups)
            {
                var durationMs = report.Duration.ToTimeSpan().TotalMilliseconds;
                var inventoryMs = report.InventoryDuration.ToTimeSpan().TotalMilliseconds;
                excluding.Add(durationMs - inventoryMs);
                total.Add(durationMs);
                inventory.Add(inventoryMs);
                roundTrip.Add(ms);
            }
        }

        return new Result(new Samples(excluding), new Samples(total), new Samples(inventory), new Samples(roundTrip));
    }
}
