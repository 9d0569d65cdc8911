using System.Diagnostics;
using LiveUpdate.Benchmarks.Daemon;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// One planned live update of a host whose daemon is running ACTIVE with every VMM registered: Freeze (the VMMs ack at
/// once, naming their DEVICE_STATE files) → SIGTERM to the daemon → a new boot id (the kexec) → start a new daemon →
/// READY=1 → GetStatus polled until ACTIVE after its start-up reconcile (cause PLANNED_UPDATE, every VM RESUMABLE) →
/// one Reclaim per VM, all issued at once over the new daemon's VMM clients → the VMMs register again (untimed), ready
/// for the next round. Returns the new daemon's <see cref="DaemonRun"/> with the round's figures.
/// </summary>
internal static class PlannedUpdateBenchmark
{
    public static async Task<(PlannedUpdateRound Round, DaemonRun Next)> RunAsync(DaemonRun run)
    {
        var host = run.Host;
        var vmms = run.Vmms ?? throw new InvalidOperationException("register the VMMs before a planned update");

        // The barrier: the VMMs ack as soon as they are told.
        var round = vmms.BeginRound();
        var freeze = await TimedFreeze.RunAsync(run.Admin).ConfigureAwait(false);
        await round.AllAcked.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        var sealMs = Stopwatch.GetElapsedTime(round.LastAckSent, freeze.FrozenAt).TotalMilliseconds;

        // The kexec: the old daemon stops (its VMM streams end with it), the kernel gets a new boot id.
        var stopMs = host.Kexec();
        await run.DisposeAsync().ConfigureAwait(false);

        // The new kernel's daemon: attach (FROZEN + new boot = planned update), serve, reconcile, ACTIVE.
        var daemon = host.StartDaemon();
        var readyMs = daemon.WaitForReady();
        var next = DaemonRun.Of(host);
        try
        {
            var active = await ActivePoll.UntilActiveAsync(daemon, next.Admin).ConfigureAwait(false);
            var readyToActiveMs = Stopwatch.GetElapsedTime(daemon.ReadyTimestamp, active.ActiveAt).TotalMilliseconds;
            var report = active.Status.LastReconcile;
            Validate(daemon, host.Fleet, report);

            var (reclaimAllMs, reclaimP50Ms) = await ReclaimCalls.BurstAsync(daemon, next.VmmClients, host.Fleet).ConfigureAwait(false);
            await next.RegisterVmmsAsync().ConfigureAwait(false);
            return (new PlannedUpdateRound(
                freeze.Milliseconds,
                sealMs,
                stopMs,
                readyMs,
                readyToActiveMs,
                report.Duration.ToTimeSpan().TotalMilliseconds,
                report.InventoryDuration.ToTimeSpan().TotalMilliseconds,
                reclaimAllMs,
                reclaimP50Ms,
                host.LastAttachReportedMs(),
                active.Polls), next);
        }
        catch
        {
            await next.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The start-up reconcile found the planned update and every VM resumable, with no problems.</summary>
    private static void Validate(DaemonProcess daemon, VmFleet fleet, ReconcileReport report)
    {
        if (report.Cause != ReconcileCause.PlannedUpdate || !report.KexecDetected || report.Problems.Count > 0
            || report.Resumable != VmFleet.Count || report.Orphaned != 0 || report.Missing != 0
            || report.Vms.Sum(vm => vm.Files.Count) != VmFleet.TotalFiles || !report.Inventory.StartsWith("libvirt test://", StringComparison.Ordinal))
        {
            throw daemon.Failed(
                $"reconciled unexpectedly: cause {report.Cause}, kexec {report.KexecDetected}, {report.Resumable} resumable / {report.Orphaned} orphaned / " +
                $"{report.Missing} missing of {fleet.Vms.Count}, {report.Vms.Sum(vm => vm.Files.Count)} files, inventory '{report.Inventory}', " +
                $"problems: {string.Join("; ", report.Problems)}; warnings: {string.Join("; ", report.Warnings)}");
        }
    }
}
