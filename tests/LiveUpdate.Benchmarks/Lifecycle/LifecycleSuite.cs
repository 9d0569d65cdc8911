using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Benchmarks.Engine;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// The live-update lifecycle's figures, against real <c>liveupdated</c> child processes: the freeze barrier with 0 and
/// 100 registered VMMs, the start-up reconcile of 1,000 files and its libvirt listing of 100 domains, and the daemon's
/// share of a planned update's blackout for 100 VMs on a 1 GiB and a 1 TiB region (sparse files on tmpfs), measured by
/// running whole planned updates: freeze → SIGTERM → new boot id → restart → reconcile → ACTIVE → Reclaim.
/// Every daemon is killed and every region file deleted on the way out, also on failure.
/// </summary>
internal sealed class LifecycleSuite : IBenchmarkSuite
{
    private const string FreezeSection = "freeze breakdown (1 GiB region, 1,000 files; Thaw between rounds; the VMMs ack as soon as they see PREPARE_FOR_UPDATE)";
    private const string ReconcileSection = "reconcile (100 VMs, 1,000 files, 100 libvirt domains)";
    private const string SetupSection = "setup (not judged)";

    private const long SmallRegionBytes = RegionFiles.GiB;
    private const long LargeRegionBytes = RegionFiles.TiB;
    private const ulong SmallGuestMemoryBytes = 8UL << 20;
    private const ulong LargeGuestMemoryBytes = 8UL << 30;
    private const int FreezeWarmups = 3;
    private const int FreezeRounds = 15;
    private const int UpdateWarmups = 1;
    private const int UpdateRounds = 11;
    private const int DryRunWarmups = 3;
    private const int DryRuns = 21;
    private const int WarmReclaimBursts = 7;

    public string Name => "lifecycle";

    public string Description => "lifecycle: freeze barrier, reconcile, planned-update blackout (real daemons, simulated kexec)";

    public SuiteResult Run(ScratchDirectory scratch, TextWriter log)
    {
        var result = new SuiteResult(Name);
        log.WriteLine($"daemon: {Daemon.DaemonBinary.Path}");
        using var small = UpdateHost.Create("1gib", scratch.FileNamed("g"), SmallRegionBytes, VmFleet.WithGuestMemory(SmallGuestMemoryBytes));
        using var large = UpdateHost.Create("1tib", scratch.FileNamed("t"), LargeRegionBytes, VmFleet.WithGuestMemory(LargeGuestMemoryBytes));
        RunAsync(small, large, result, log).GetAwaiter().GetResult();
        AddNotes(result);
        return result;
    }

    private static async Task RunAsync(UpdateHost small, UpdateHost large, SuiteResult result, TextWriter log)
    {
        DaemonRun? smallRun = null;
        DaemonRun? largeRun = null;
        try
        {
            smallRun = await StartFreshAsync(small, result, log).ConfigureAwait(false);
            await MeasureFreezeAsync(smallRun, result, log).ConfigureAwait(false);

            largeRun = await StartFreshAsync(large, result, log).ConfigureAwait(false);
            await largeRun.RegisterVmmsAsync().ConfigureAwait(false);

            log.WriteLine($"planned updates: {UpdateWarmups} warm-up + {UpdateRounds} rounds per region, 1 GiB and 1 TiB alternately");
            var smallRounds = new List<PlannedUpdateRound>();
            var largeRounds = new List<PlannedUpdateRound>();
            for (var i = 0; i < UpdateWarmups + UpdateRounds; i++)
            {
                // Alternate which region goes first, so drift in the machine's load hits both alike.
                foreach (var host in i % 2 == 0 ? new[] { small, large } : [large, small])
                {
                    var run = host == small ? smallRun : largeRun;
                    var (round, next) = await PlannedUpdateBenchmark.RunAsync(run).ConfigureAwait(false);
                    if (host == small)
                    {
                        smallRun = next;
                    }
                    else
                    {
                        largeRun = next;
                    }

                    LogRound(log, host, i < UpdateWarmups ? "warm-up" : $"round {i - UpdateWarmups + 1}", round);
                    if (i >= UpdateWarmups)
                    {
                        (host == small ? smallRounds : largeRounds).Add(round);
                    }
                }
            }

            log.WriteLine($"reconcile dry runs: {DryRunWarmups} warm-up + {DryRuns} on each region's last daemon");
            var smallDry = await DryRunReconcileBenchmark.RunAsync(smallRun.Admin, DryRunWarmups, DryRuns).ConfigureAwait(false);
            var largeDry = await DryRunReconcileBenchmark.RunAsync(largeRun.Admin, DryRunWarmups, DryRuns).ConfigureAwait(false);

            log.WriteLine($"reclaim: 1 warm-up + {WarmReclaimBursts} bursts of {VmFleet.Count} on each region's last daemon");
            var smallReclaim = await WarmReclaimAsync(smallRun).ConfigureAwait(false);
            var largeReclaim = await WarmReclaimAsync(largeRun).ConfigureAwait(false);

            AddReconcile(result, smallRounds, largeRounds, smallDry, largeDry);
            AddBlackout(result, smallRounds, largeRounds);
            AddWarmReclaim(result, smallReclaim, largeReclaim);
        }
        finally
        {
            if (smallRun is not null)
            {
                await smallRun.DisposeAsync().ConfigureAwait(false);
            }

            if (largeRun is not null)
            {
                await largeRun.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>First start on an empty region (formatted: nothing to reconcile), then the fleet's files.</summary>
    private static async Task<DaemonRun> StartFreshAsync(UpdateHost host, SuiteResult result, TextWriter log)
    {
        var fleet = host.Fleet;
        log.WriteLine($"{Region(host)} region: first start, then {fleet.Describe()}; libvirt {host.LibvirtUri}");
        var daemon = host.StartDaemon();
        daemon.WaitForReady();
        var run = DaemonRun.Of(host);
        try
        {
            var built = Stopwatch.GetTimestamp();
            await fleet.CreateAsync(run.VmmClients[0]).ConfigureAwait(false);
            var buildSeconds = Stopwatch.GetElapsedTime(built).TotalSeconds;
            var region = await run.Admin.GetRegionAsync().ConfigureAwait(false);
            var status = await run.Admin.GetStatusAsync().ConfigureAwait(false);
            if (status.State != LifecycleState.Active || region.FileCount != (ulong)VmFleet.TotalFiles)
            {
                throw daemon.Failed($"is {status.State} with {region.FileCount} files after building the fleet");
            }

            var usedFraction = region.UsedBytes / (double)region.SizeBytes;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  built in {buildSeconds:F1} s; region {usedFraction:P0} allocated"));
            result.AddBreakdown(SetupSection, new Figure($"fleet_build_s_{host.Label}", Samples.Exact(buildSeconds), "s",
                Note: $"{VmFleet.TotalFiles:N0} CreateFile calls, 8 in flight, on a fresh daemon"));
            result.AddBreakdown(SetupSection, new Figure($"region_allocated_fraction_{host.Label}", Samples.Exact(usedFraction), "fraction",
                Note: $"{fleet.Describe()}: used_bytes / size_bytes of GetRegion"));
            return run;
        }
        catch
        {
            await run.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task MeasureFreezeAsync(DaemonRun run, SuiteResult result, TextWriter log)
    {
        log.WriteLine($"freeze: {FreezeWarmups} warm-up + {FreezeRounds} rounds with no VMM registered, then with {VmFleet.Count}");
        var none = await FreezeBenchmark.RunAsync(run.Admin, vmms: null, FreezeWarmups, FreezeRounds).ConfigureAwait(false);
        await run.RegisterVmmsAsync().ConfigureAwait(false);
        var all = await FreezeBenchmark.RunAsync(run.Admin, run.Vmms, FreezeWarmups, FreezeRounds).ConfigureAwait(false);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  Freeze→FROZEN median {none.FreezeMs.Median:F2} ms with 0 VMMs, {all.FreezeMs.Median:F2} ms with {VmFleet.Count}"));

        result.Add(new Figure("freeze_ms_0_vmms", none.FreezeMs, "ms", Target.AtMost(50),
            "FreezeAsync called to its FROZEN message, no VMM registered; median of rounds, Thaw between"));
        result.Add(new Figure($"freeze_ms_{VmFleet.Count}_vmms", all.FreezeMs, "ms", Target.AtMost(50),
            $"the same with {VmFleet.Count} RegisterVmm sessions over {DaemonRun.VmmClientCount} clients, each acking (naming its DEVICE_STATE file) on PREPARE_FOR_UPDATE"));
        result.AddBreakdown(FreezeSection, new Figure("freeze_daemon_elapsed_ms_0_vmms", none.DaemonElapsedMs, "ms", Note: "FreezeProgress.elapsed of the FROZEN message"));
        result.AddBreakdown(FreezeSection, new Figure("thaw_ms_0_vmms", none.ThawMs, "ms", Note: "ThawAsync round trip, FROZEN → ACTIVE"));
        result.AddBreakdown(FreezeSection, new Figure($"freeze_daemon_elapsed_ms_{VmFleet.Count}_vmms", all.DaemonElapsedMs, "ms"));
        result.AddBreakdown(FreezeSection, new Figure($"freeze_fanout_ms_{VmFleet.Count}_vmms", all.FanOutMs!, "ms",
            Note: "Freeze called to the last VMM reading PREPARE_FOR_UPDATE"));
        result.AddBreakdown(FreezeSection, new Figure($"ack_freeze_p50_ms_{VmFleet.Count}_vmms", all.AckP50Ms!, "ms",
            Note: "AckFreeze round trip, median per round (100 acks in flight at once)"));
        result.AddBreakdown(FreezeSection, new Figure($"seal_after_last_ack_ms_{VmFleet.Count}_vmms", all.SealAfterLastAckMs!, "ms",
            Note: "the last AckFreeze sent to the FROZEN message"));
        result.AddBreakdown(FreezeSection, new Figure($"freeze_progress_messages_{VmFleet.Count}_vmms", all.ProgressMessages, "messages",
            Note: "FreezeProgress messages per Freeze (each WAITING_FOR_ACKS lists every VMM)"));
        result.AddBreakdown(FreezeSection, new Figure($"thaw_ms_{VmFleet.Count}_vmms", all.ThawMs, "ms"));
    }

    /// <summary>Reclaim on a daemon that has served a burst already: what it costs without first-call costs.</summary>
    private static async Task<WarmReclaim> WarmReclaimAsync(DaemonRun run)
    {
        var all = new List<double>();
        var p50 = new List<double>();
        for (var i = 0; i <= WarmReclaimBursts; i++)
        {
            var (allMs, p50Ms) = await ReclaimCalls.BurstAsync(run.Daemon, run.VmmClients, run.Host.Fleet).ConfigureAwait(false);
            if (i > 0)
            {
                all.Add(allMs);
                p50.Add(p50Ms);
            }
        }

        var one = await ReclaimCalls.OneByOneAsync(run.Daemon, run.VmmClients, run.Host.Fleet).ConfigureAwait(false);
        return new WarmReclaim(new Samples(all), new Samples(p50), one);
    }

    private static void AddWarmReclaim(SuiteResult result, WarmReclaim small, WarmReclaim large)
    {
        const string Section = "reclaim on a warm daemon (the last planned update's daemon, connections open; not part of any blackout)";
        foreach (var (reclaim, host) in new[] { (small, "1gib"), (large, "1tib") })
        {
            result.AddBreakdown(Section, new Figure($"reclaim_all_ms_warm_{host}", reclaim.AllMs, "ms",
                Note: $"{VmFleet.Count} Reclaim calls at once, as in the blackout, after one such burst before"));
            result.AddBreakdown(Section, new Figure($"reclaim_p50_ms_warm_{host}", reclaim.P50Ms, "ms", Note: "median call of each burst"));
            result.AddBreakdown(Section, new Figure($"reclaim_one_ms_warm_{host}", reclaim.OneMs, "ms",
                Note: $"one Reclaim at a time ({VmFleet.FilesPerVm} files, {VmFleet.FilesPerVm} tokens each), each VM once"));
        }
    }

    private sealed record WarmReclaim(Samples AllMs, Samples P50Ms, Samples OneMs);

    private static void AddReconcile(
        SuiteResult result, List<PlannedUpdateRound> small, List<PlannedUpdateRound> large,
        DryRunReconcileBenchmark.Result smallDry, DryRunReconcileBenchmark.Result largeDry)
    {
        result.Add(new Figure("reconcile_ms_1k_files", Of(small, r => r.ReconcileExcludingInventoryMs), "ms", Target.AtMost(20),
            "start-up reconcile after a planned update (GetStatus.last_reconcile), duration − inventory_duration; 1 GiB region, 100 VMs"));
        result.Add(new Figure("reconcile_total_ms_1k_files", Of(small, r => r.ReconcileTotalMs), "ms",
            Note: "the same reports' duration: libvirt listing included"));
        result.Add(new Figure("libvirt_list_ms_100_domains", Of(small, r => r.InventoryMs), "ms",
            Note: "the same reports' inventory_duration: the daemon's first listing (test:/// connection opened, node XML parsed, 100 domains read)"));
        result.AddBreakdown(ReconcileSection, new Figure("reconcile_ms_1k_files_1tib", Of(large, r => r.ReconcileExcludingInventoryMs), "ms",
            Note: "as reconcile_ms_1k_files, 1 TiB region"));
        result.AddBreakdown(ReconcileSection, new Figure("reconcile_total_ms_1k_files_1tib", Of(large, r => r.ReconcileTotalMs), "ms"));
        result.AddBreakdown(ReconcileSection, new Figure("libvirt_list_ms_100_domains_1tib", Of(large, r => r.InventoryMs), "ms"));
        result.AddBreakdown(ReconcileSection, new Figure("reconcile_dry_run_ms_1k_files", smallDry.ExcludingInventoryMs, "ms",
            Note: $"Reconcile(dry_run) on a warm daemon, duration − inventory_duration, {DryRuns} calls after {DryRunWarmups} warm-up; 1 GiB region"));
        result.AddBreakdown(ReconcileSection, new Figure("reconcile_dry_run_total_ms_1k_files", smallDry.TotalMs, "ms"));
        result.AddBreakdown(ReconcileSection, new Figure("libvirt_list_ms_100_domains_warm", smallDry.InventoryMs, "ms",
            Note: "inventory_duration of the dry runs: the connection is open already"));
        result.AddBreakdown(ReconcileSection, new Figure("reconcile_dry_run_round_trip_ms", smallDry.RoundTripMs, "ms",
            Note: "ReconcileAsync(dryRun) as the caller sees it (report of 100 VMs, 1,000 files)"));
        result.AddBreakdown(ReconcileSection, new Figure("reconcile_dry_run_ms_1k_files_1tib", largeDry.ExcludingInventoryMs, "ms"));
        result.AddBreakdown(ReconcileSection, new Figure("reconcile_dry_run_total_ms_1k_files_1tib", largeDry.TotalMs, "ms"));
    }

    private static void AddBlackout(SuiteResult result, List<PlannedUpdateRound> small, List<PlannedUpdateRound> large)
    {
        result.Add(new Figure($"blackout_ms_{VmFleet.Count}_vms_1gib", Of(small, r => r.BlackoutMs), "ms", Target.AtMost(1_500),
            "seal after the last ack + new daemon's start to ACTIVE after its reconcile + 100 Reclaim calls; 1 GiB region, 8 MiB guest memory per VM"));
        result.Add(new Figure($"blackout_ms_{VmFleet.Count}_vms_1tib", Of(large, r => r.BlackoutMs), "ms", Target.AtMost(1_500),
            "the same on a 1 TiB region, 8 GiB guest memory per VM (1,024 times as much)"));
        var ratios = new Samples(small.Zip(large, (s, l) => l.BlackoutMs / s.BlackoutMs));
        result.Add(new Figure("blackout_ratio_1tib_vs_1gib", ratios, "ratio", Target.AtMost(1.5),
            "median of per-round ratios (round i of each region, run back to back); must not grow with guest memory (bound as attach_ratio_1tib_vs_1gib)"));

        foreach (var (rounds, host) in new[] { (small, "1gib"), (large, "1tib") })
        {
            var section = $"blackout components, {(host == "1gib" ? "1 GiB" : "1 TiB")} region ({UpdateRounds} planned updates; blackout = first three rows + reclaim_all)";
            result.AddBreakdown(section, new Figure($"seal_after_last_ack_ms_{host}", Of(rounds, r => r.SealAfterLastAckMs), "ms",
                Note: "the last VMM's AckFreeze sent to the FROZEN message"));
            result.AddBreakdown(section, new Figure($"start_to_ready_notify_ms_{host}", Of(rounds, r => r.StartToReadyMs), "ms",
                Note: "new daemon: Process.Start to READY=1 (attach of a FROZEN region under a new boot id, sockets listening)"));
            result.AddBreakdown(section, new Figure($"ready_to_active_ms_{host}", Of(rounds, r => r.ReadyToActiveMs), "ms",
                Note: "READY=1 to GetStatus answering ACTIVE after the start-up reconcile (polled every 1 ms)"));
            result.AddBreakdown(section, new Figure($"reclaim_all_ms_{host}", Of(rounds, r => r.ReclaimAllMs), "ms",
                Note: $"{VmFleet.Count} Reclaim calls issued at once over {DaemonRun.VmmClientCount} fresh connections, to the last answer"));
            result.AddBreakdown(section, new Figure($"start_to_active_ms_{host}", Of(rounds, r => r.StartToActiveMs), "ms",
                Note: "start_to_ready_notify + ready_to_active"));
            result.AddBreakdown(section, new Figure($"reconcile_total_ms_{host}", Of(rounds, r => r.ReconcileTotalMs), "ms",
                Note: "the report's duration: runs within start_to_active, not added again"));
            if (rounds.All(r => r.AttachReportedMs is not null))
            {
                result.AddBreakdown(section, new Figure($"attach_reported_ms_{host}", Of(rounds, r => r.AttachReportedMs!.Value), "ms",
                    Note: "attach time the new daemon logs (event 102), within start_to_ready_notify"));
            }

            result.AddBreakdown(section, new Figure($"reclaim_p50_ms_{host}", Of(rounds, r => r.ReclaimP50Ms), "ms", Note: "median Reclaim call in the burst"));
            result.AddBreakdown(section, new Figure($"status_polls_{host}", Of(rounds, r => r.Polls), "polls", Note: "GetStatus calls after READY=1 until ACTIVE"));
            result.AddBreakdown(section, new Figure($"freeze_ms_{host}", Of(rounds, r => r.FreezeMs), "ms",
                Note: "Freeze called to FROZEN in the update: the first freeze of that daemon process (cold code), unlike freeze_ms_100_vmms"));
            result.AddBreakdown(section, new Figure($"old_daemon_stop_ms_{host}", Of(rounds, r => r.StopMs), "ms",
                Note: "context, not counted: SIGTERM to exit of the FROZEN daemon before the kexec"));
        }
    }

    private static void AddNotes(SuiteResult result)
    {
        result.AddNote($"each region holds {VmFleet.Count} VMs x {VmFleet.FilesPerVm} files (1 guest memory, 1 device state, 8 x 64 KiB blobs) in /vms/vm-NNN, created through the daemon; region files are sparse on tmpfs, so the 1 TiB region's 800 GiB of guest memory costs metadata only (allocation punches holes, nothing is touched)");
        result.AddNote($"libvirt is the in-process test driver (--libvirt-uri test:///…/node.xml) with one domain per VM, each marked <lu:persistent/>: every VM is RESUMABLE; its listing includes opening the connection, which parses the node file");
        result.AddNote($"a planned update = Freeze (every VMM acks at once) → SIGTERM → new --boot-id-file content (the kexec) → new daemon (FROZEN + new boot: it reconciles at start) → GetStatus polled until ACTIVE → one Reclaim per VM, all at once; the VMMs then register again (untimed). {UpdateRounds} timed rounds per region after {UpdateWarmups} warm-up, regions alternating");
        result.AddNote("reconcile_ms_1k_files and libvirt_list_ms_100_domains are taken from the start-up reconciles of those planned updates (GetStatus.last_reconcile: duration − inventory_duration, and inventory_duration), i.e. code run for the first time in a new process; their duration includes the region check, which the start-up reconcile takes from attach (checked_at_attach: the metadata attach loaded moments before, nothing committed since) and counts in with the time attach spent on it; Reconcile(dry_run) on a warm daemon, which checks afresh, is given in the reconcile breakdown for comparison");
        result.AddNote("the daemon measured is the one deploy/install.sh installs (self-contained, composite ReadyToRun), unless LU_BENCH_DAEMON names another build");
        result.AddNote("blackout (daemon's share) = seal after the last ack + new daemon's Process.Start to ACTIVE (READY=1, then the start-up reconcile, which is therefore not added a second time) + the 100 Reclaim calls; the old daemon's stop, the kexec itself and the VMMs' own work are outside it");
        result.AddNote("the VMMs do nothing between PREPARE_FOR_UPDATE and AckFreeze (they name an existing DEVICE_STATE file): the freeze figures are the daemon's barrier and the gRPC round trips, not a VMM's pause and save");
    }

    private static Samples Of(List<PlannedUpdateRound> rounds, Func<PlannedUpdateRound, double> value) => new(rounds.Select(value));

    private static string Region(UpdateHost host) => host.RegionBytes >= RegionFiles.TiB ? "1 TiB" : "1 GiB";

    private static void LogRound(TextWriter log, UpdateHost host, string label, PlannedUpdateRound r) =>
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {Region(host)} {label}: blackout {r.BlackoutMs:F0} ms = seal {r.SealAfterLastAckMs:F1} + start→READY {r.StartToReadyMs:F0} + READY→ACTIVE {r.ReadyToActiveMs:F1} (reconcile {r.ReconcileTotalMs:F1}, libvirt {r.InventoryMs:F1}) + reclaim {r.ReclaimAllMs:F1}; freeze {r.FreezeMs:F1}, stop {r.StopMs:F0}"));
}
