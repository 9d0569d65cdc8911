using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Client;
using LiveUpdate.Region;
using LiveUpdate.Service.Tests.Inventory;
using Xunit.Abstractions;
using Proto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>These tests SIGKILL daemon processes over and over: they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KillDuringLifecycleCollection
{
    public const string Name = "kill during lifecycle";
}

/// <summary>
/// docs/design.md §7 crash safety of the lifecycle: the daemon is SIGKILLed at random moments while a freeze runs (two VMMs
/// registered in-process, saving device state and acking after a random small delay) and while the reconcile after a new
/// boot runs. After every kill the region, attached by the engine directly, checks clean, is in a legal state and holds
/// every file (each orphan exactly once: in place or in quarantine, never lost, never twice); the next start then reaches
/// the state docs/design.md §7 says: FREEZING after a same-boot restart becomes ACTIVE, FROZEN stays sealed, and a new boot after
/// any of them (or after an interrupted reconcile) reconciles to ACTIVE with the cause fixed when the boot was first seen.
/// </summary>
/// <remarks>
/// LU_KILL_SEED fixes the random choices (the seed is printed), LU_KILL_COUNT raises the number of kills (default 50).
/// </remarks>
[Collection(KillDuringLifecycleCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class KillDuringLifecycleTests(ITestOutputHelper output)
{
    private const long RegionBytes = 256L << 20;
    private const int DefaultKills = 50;

    private readonly List<Tracked> _files = [];

    [Fact(Timeout = 600_000)]
    public async Task Sigkill_DuringFreezeAndReconcile_LeavesACleanRegionEveryTime_AndTheNextStartReachesAConsistentState()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("LU_KILL_SEED"), CultureInfo.InvariantCulture, out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        var wanted = int.TryParse(Environment.GetEnvironmentVariable("LU_KILL_COUNT"), CultureInfo.InvariantCulture, out var count) ? Math.Max(count, 1) : DefaultKills;
        output.WriteLine($"seed {seed} (LU_KILL_SEED), {wanted} kills (LU_KILL_COUNT)");
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();

        Guid[] vmmVms = [Guid.NewGuid(), Guid.NewGuid()];
        var idleVm = Guid.NewGuid();
        using var node = TestDriverNode.Create([
            new TestDomain("vmm-0", vmmVms[0], Metadata: TestDomain.PersistentMark),
            new TestDomain("vmm-1", vmmVms[1], Metadata: TestDomain.PersistentMark),
            new TestDomain("idle", idleVm),
        ]);
        string[] args = ["--libvirt-uri", node.Uri];
        await using var daemon = DaemonProcess.Create(RegionBytes);
        await daemon.StartAsync(args);
        await using var admin = Clients.For(daemon);

        // The VMs that stay: guest memory and device state of the two VMMs' VMs, and one VM without a VMM.
        for (var i = 0; i < vmmVms.Length; i++)
        {
            await CreateAsync(admin, $"/vms/vmm-{i}/ram", Proto.FileKind.GuestMemory, 8 * Clients.MiB, vmmVms[i], resident: true);
            await CreateAsync(admin, $"/vms/vmm-{i}/state", Proto.FileKind.DeviceState, 4096, vmmVms[i], resident: true);
        }

        await CreateAsync(admin, "/vms/idle/ram", Proto.FileKind.GuestMemory, 2 * Clients.MiB, idleVm, resident: true);
        await CreateAsync(admin, "/vms/idle/notes", Proto.FileKind.Blob, 100, idleVm, resident: true);

        var kills = 0;
        var cycle = 0;
        var seenAfterFreezeKill = new Dictionary<LifecycleState, int>();
        var seenAfterReconcileKill = new Dictionary<LifecycleState, int>();
        var sealedBeforeKill = 0;
        var killedWhileMoving = 0;
        var acks = 0;
        var savedDeviceStates = 0;
        var reconcileMs = 150.0;
        var freezeMs = 80.0;
        while (kills < wanted)
        {
            cycle++;
            var step = $"cycle {cycle}";

            // Orphans for this cycle: files of VMs libvirt does not know, for the next reconcile to quarantine.
            for (var o = 0; o < 3; o++)
            {
                var orphan = Guid.NewGuid();
                var directory = $"/orphans/{cycle}-{o}";
                await CreateAsync(admin, $"{directory}/state", Proto.FileKind.DeviceState, 4096 + (ulong)random.Next(0, 8192), orphan, resident: false);
                await CreateAsync(admin, $"{directory}/blob", Proto.FileKind.Blob, 1 + (ulong)random.Next(0, 4096), orphan, resident: false);
                if (o == 0)
                {
                    await CreateAsync(admin, $"{directory}/ram", Proto.FileKind.GuestMemory, 2 * Clients.MiB, orphan, resident: false);
                }
            }

            // ---- Kill during a freeze. ----
            var freezeOutcome = await KillDuringFreezeAsync(daemon, vmmVms, random, freezeMs, step);
            freezeMs = freezeOutcome.FreezeMs;
            kills++;
            acks += freezeOutcome.Acks;
            savedDeviceStates += freezeOutcome.Saved;
            var afterFreeze = Inspect(daemon, $"{step}: after a kill {freezeOutcome.DelayMs} ms into a freeze",
                [LifecycleState.Active, LifecycleState.Freezing, LifecycleState.Frozen]);
            Count(seenAfterFreezeKill, afterFreeze.State);
            if (freezeOutcome.Sealed)
            {
                // Freeze answered FROZEN before the kill: the seal was durable.
                sealedBeforeKill++;
                Assert.Equal(LifecycleState.Frozen, afterFreeze.State);
            }

            var oldBoot = afterFreeze.BootId;
            if (cycle % 3 == 0 || kills >= wanted)
            {
                // ---- Restart within the same boot. ----
                await daemon.StartAsync(args);
                var status = await admin.GetStatusAsync();
                var expected = afterFreeze.State == LifecycleState.Frozen ? Proto.LifecycleState.Frozen : Proto.LifecycleState.Active;
                Assert.True(expected == status.State, $"{step}: {afterFreeze.State} + same boot became {status.State}, expected {expected}");
                Assert.False(status.KexecDetected);
                Assert.Equal(oldBoot.ToString(), status.BootId);
                Assert.Null(status.LastReconcile);
                if (afterFreeze.State == LifecycleState.Freezing)
                {
                    Assert.Contains("restarted during a freeze", daemon.Output, StringComparison.Ordinal);
                }

                if (status.State == Proto.LifecycleState.Frozen)
                {
                    var thawed = await admin.ThawAsync();
                    Assert.Equal(Proto.LifecycleState.Active, thawed.State);
                    Assert.Equal(Proto.LifecycleState.Frozen, thawed.PreviousState);
                }

                AssertResidentsServed(await ListAllAsync(admin), step);
                continue;
            }

            // ---- New boot: kill during the reconcile it starts. ----
            var newBoot = Guid.NewGuid();
            File.WriteAllText(daemon.BootIdPath, newBoot.ToString("D") + "\n");
            var expectedCause = afterFreeze.State == LifecycleState.Frozen ? ReconcileCause.PlannedUpdate : ReconcileCause.UnplannedReboot;
            await daemon.StartAsync(args);
            // The reconcile starts just before READY.
            var delayMs = KillDelay(random, reconcileMs);
            if (delayMs > 0)
            {
                await Task.Delay(delayMs);
            }

            await daemon.KillAsync();
            kills++;
            var afterReconcile = Inspect(daemon, $"{step}: after a kill {delayMs} ms into the reconcile ({afterFreeze.State} + new boot)",
                [LifecycleState.Reconciling, LifecycleState.Active], out var orphans);
            if (afterReconcile.State == LifecycleState.Reconciling && orphans.InPlace > 0 && orphans.Quarantined > 0)
            {
                killedWhileMoving++;
            }

            Count(seenAfterReconcileKill, afterReconcile.State);
            Assert.Equal(newBoot, afterReconcile.BootId);
            Assert.Equal(oldBoot, afterReconcile.PreviousBootId);
            Assert.Equal(expectedCause, afterReconcile.ReconcileCause);

            // ---- Restart within the new boot: an interrupted reconcile runs again and ends ACTIVE. ----
            await daemon.StartAsync(args);
            await admin.ListAsync("/"); // answered once the reconcile at start (if any) has ended
            var settled = await admin.GetStatusAsync();
            Assert.True(settled.State == Proto.LifecycleState.Active, $"{step}: settled in {settled.State}\n{settled}");
            Assert.Equal(ToProto(expectedCause), settled.ReconcileCause);
            Assert.Equal(newBoot.ToString(), settled.BootId);
            Assert.Equal(oldBoot.ToString(), settled.PreviousBootId);
            if (afterReconcile.State == LifecycleState.Reconciling)
            {
                var report = settled.LastReconcile;
                Assert.NotNull(report);
                Assert.False(report.DryRun);
                Assert.True(report.KexecDetected);
                Assert.Equal(ToProto(expectedCause), report.Cause);
                Assert.Equal(Proto.LifecycleState.Active, report.State);
                Assert.Empty(report.Problems);
                Assert.Contains(report.Warnings, w => w.Contains("restarted during a reconcile", StringComparison.Ordinal));
                Assert.Equal(oldBoot.ToString(), report.PreviousBootId);
                Assert.Equal(newBoot.ToString(), report.CurrentBootId);
                Assert.Equal(3u, report.Resumable);
                Assert.Equal(0u, report.Missing);
                // The run that was cut off had quarantined some orphans already: the rerun judges the rest, in place.
                Assert.Equal(orphans.VmsInPlace.Order(), report.Vms.Where(v => v.Verdict == Proto.VmVerdictKind.Orphaned).Select(v => Guid.Parse(v.VmUuid)).Order());
                reconcileMs = report.Duration.ToTimeSpan().TotalMilliseconds;
            }
            else
            {
                Assert.Null(settled.LastReconcile); // the reconcile had ended before the kill: nothing to redo
            }

            // Every orphan is now in quarantine, exactly once, and every resident file where it was.
            var served = await ListAllAsync(admin);
            AssertResidentsServed(served, step);
            foreach (var orphan in _files.Where(f => !f.Resident))
            {
                var found = served.Where(f => f.Inode == orphan.Inode).ToList();
                Assert.True(found.Count == 1, $"{step}: orphan {orphan.Path} (inode {orphan.Inode}) found {found.Count} times");
                Assert.StartsWith("/quarantine/", found[0].Path, StringComparison.Ordinal);
                Assert.EndsWith(orphan.Path, found[0].Path, StringComparison.Ordinal);
                Assert.Equal(orphan.Kind, found[0].Kind);
                Assert.Equal(orphan.Vm.ToString(), found[0].VmUuid);
            }

            if (cycle % 4 == 0)
            {
                // Empty the quarantine now and then, so the region never fills.
                var collected = await admin.CollectGarbageAsync(TimeSpan.Zero);
                Assert.Equal(_files.Count(f => !f.Resident), collected.Removed.Count);
                _files.RemoveAll(f => !f.Resident);
            }
        }

        // The end: the daemon's own check agrees, and it stops cleanly.
        var check = await admin.CheckAsync();
        Assert.True(check.Clean, check.ToString());
        Assert.Equal(0, await daemon.StopAsync());

        output.WriteLine($"{kills} kills in {cycle} cycles, {clock.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"after a freeze kill: {Describe(seenAfterFreezeKill)}; Freeze had answered FROZEN {sealedBeforeKill} times");
        output.WriteLine($"after a reconcile kill: {Describe(seenAfterReconcileKill)}; {killedWhileMoving} times with orphans partly quarantined");
        output.WriteLine($"VMM acks {acks}, device states saved during FREEZING {savedDeviceStates}");
        Assert.True(kills >= wanted);
    }

    /// <summary>
    /// How long after the start of a freeze or of a reconcile to kill: half the time 0–30 ms, the other half anywhere in
    /// the last complete run's duration (<paramref name="typicalMs"/>) and a bit beyond, so kills also land at the seal
    /// and while orphans are moved (a freeze or reconcile in a freshly started daemon takes some 50–250 ms, mostly JIT).
    /// </summary>
    private static int KillDelay(Random random, double typicalMs) =>
        random.Next(2) == 0 ? random.Next(0, 31) : random.Next(0, (int)Math.Max(31, typicalMs * 1.3));

    /// <summary>Starts a freeze with both VMMs registered and SIGKILLs the daemon a random moment later.</summary>
    private static async Task<FreezeOutcome> KillDuringFreezeAsync(DaemonProcess daemon, Guid[] vmmVms, Random random, double freezeMs, string step)
    {
        await using var operatorClient = Clients.For(daemon, maxAttempts: 1);
        await using var vmmClient = Clients.For(daemon, maxAttempts: 1);
        Assert.Equal(Proto.LifecycleState.Active, (await operatorClient.GetStatusAsync()).State); // and the connection is up

        using var stop = new CancellationTokenSource();
        var sessions = new List<VmmSession>();
        var acks = 0;
        var saved = 0;
        var responders = new List<Task>();
        try
        {
            for (var i = 0; i < vmmVms.Length; i++)
            {
                var vm = vmmVms[i];
                var session = await vmmClient.RegisterVmmAsync(vm, $"vmm-{i}");
                sessions.Add(session);
                var ackDelay = random.Next(0, 11);
                var stateSize = 4096 + (ulong)random.Next(0, 16) * 512;
                var statePath = $"/vms/vmm-{i}/state";
                responders.Add(Task.Run(async () =>
                {
                    try
                    {
                        if (await session.WaitForAsync(Proto.VmmEventKind.PrepareForUpdate, stop.Token) is null)
                        {
                            return;
                        }

                        if (ackDelay > 0)
                        {
                            await Task.Delay(ackDelay, stop.Token);
                        }

                        // While FREEZING, a VMM that has not acked may rewrite its own VM's device state.
                        await vmmClient.ResizeAsync(statePath, stateSize, stop.Token);
                        Interlocked.Increment(ref saved);
                        await vmmClient.AckFreezeAsync(vm, statePath, stop.Token);
                        Interlocked.Increment(ref acks);
                    }
                    catch (Exception ex) when (ex is LiveUpdateException or OperationCanceledException)
                    {
                        // The daemon died under it.
                    }
                }));
            }

            var delayMs = KillDelay(random, freezeMs);
            var freeze = operatorClient.FreezeAsync(TimeSpan.FromSeconds(10), cancellationToken: CancellationToken.None);
            if (delayMs > 0)
            {
                await Task.Delay(delayMs);
            }

            await daemon.KillAsync();
            var sealedFirst = false;
            try
            {
                var last = await freeze;
                Assert.True(last.Phase == Proto.FreezePhase.Frozen, $"{step}: the freeze ended {last.Phase} before the kill: {last}");
                sealedFirst = true;
                freezeMs = last.Elapsed.ToTimeSpan().TotalMilliseconds;
            }
            catch (LiveUpdateException)
            {
                // Cut off by the kill.
            }
            catch (OperationCanceledException)
            {
                // Cut off by the kill before the response headers came: Grpc.Net.Client then throws a bare
                // TaskCanceledException from the response stream (grpc/grpc-dotnet#2032), which FreezeAsync lets through.
            }

            await stop.CancelAsync();
            await Task.WhenAll(responders);
            return new FreezeOutcome(delayMs, sealedFirst, acks, saved, freezeMs);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }

    /// <summary>
    /// Attaches the region with the engine (the daemon is dead) and asserts: the check is clean, the state is one of
    /// <paramref name="legal"/>, every resident file is in place, and every orphan exists exactly once (in place or in
    /// quarantine), with its kind and VM.
    /// </summary>
    private LiveUpdate.Region.RegionInfo Inspect(DaemonProcess daemon, string when, LifecycleState[] legal) => Inspect(daemon, when, legal, out _);

    private LiveUpdate.Region.RegionInfo Inspect(DaemonProcess daemon, string when, LifecycleState[] legal, out OrphanPlaces orphans)
    {
        orphans = new OrphanPlaces();
        using var region = PersistentRegion.Attach(daemon.RegionPath);
        var check = region.Check(repair: false);
        Assert.True(check.Clean, $"{when}: the region check found problems:\n{string.Join("\n", check.Problems)}\n{daemon.Output}");
        var info = region.Info;
        Assert.True(legal.Contains(info.State), $"{when}: state {info.State} is not one of {string.Join(", ", legal)}");

        var byInode = region.ListAllFiles().ToLookup(f => (ulong)f.Inode);
        foreach (var file in _files)
        {
            var found = byInode[file.Inode].ToList();
            Assert.True(found.Count == 1, $"{when}: {file.Path} (inode {file.Inode}) found {found.Count} times");
            var at = found[0];
            if (file.Resident)
            {
                Assert.Equal(file.Path, at.Path);
            }
            else
            {
                Assert.True(at.Path == file.Path || (at.Path.StartsWith("/quarantine/", StringComparison.Ordinal) && at.Path.EndsWith(file.Path, StringComparison.Ordinal)),
                    $"{when}: orphan {file.Path} is at {at.Path}");
                if (at.Path == file.Path)
                {
                    orphans.InPlace++;
                    orphans.VmsInPlace.Add(file.Vm);
                }
                else
                {
                    orphans.Quarantined++;
                }
            }

            Assert.Equal(file.Vm, at.VmUuid);
            Assert.Equal(file.Kind.ToString(), at.Kind.ToString());
        }

        return info;
    }

    private void AssertResidentsServed(IReadOnlyList<Proto.FileInfo> served, string step)
    {
        var byPath = served.ToDictionary(f => f.Path, StringComparer.Ordinal);
        foreach (var file in _files.Where(f => f.Resident))
        {
            Assert.True(byPath.TryGetValue(file.Path, out var info), $"{step}: {file.Path} is gone");
            Assert.Equal(file.Inode, info!.Inode);
            Assert.Equal(file.Kind, info.Kind);
        }
    }

    private async Task CreateAsync(LiveUpdateClient client, string path, Proto.FileKind kind, ulong size, Guid vm, bool resident)
    {
        var directory = path[..path.LastIndexOf('/')];
        var walked = string.Empty;
        foreach (var component in directory.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            walked += "/" + component;
            try
            {
                await client.MakeDirectoryAsync(walked);
            }
            catch (LiveUpdateException ex) when (ex.Error == LiveUpdateError.AlreadyExists)
            {
            }
        }

        var created = await client.CreateFileAsync(path, size, kind, vm);
        _files.Add(new Tracked(path, kind, vm, created.Inode, resident));
    }

    /// <summary>Every entry of the region, walked through the client from "/".</summary>
    private static async Task<IReadOnlyList<Proto.FileInfo>> ListAllAsync(LiveUpdateClient client)
    {
        var found = new List<Proto.FileInfo>();
        var pending = new Stack<string>(["/"]);
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in await client.ListAsync(directory))
            {
                found.Add(entry);
                if (entry.Kind == Proto.FileKind.Directory)
                {
                    pending.Push(entry.Path);
                }
            }
        }

        return found;
    }

    private static Proto.ReconcileCause ToProto(ReconcileCause cause) => cause switch
    {
        ReconcileCause.PlannedUpdate => Proto.ReconcileCause.PlannedUpdate,
        ReconcileCause.UnplannedReboot => Proto.ReconcileCause.UnplannedReboot,
        ReconcileCause.Operator => Proto.ReconcileCause.Operator,
        _ => Proto.ReconcileCause.None,
    };

    private static void Count(Dictionary<LifecycleState, int> counts, LifecycleState state) =>
        counts[state] = counts.GetValueOrDefault(state) + 1;

    private static string Describe(Dictionary<LifecycleState, int> counts) =>
        string.Join(", ", counts.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"));

    /// <summary>A file the test created; residents must stay at their path, orphans end up in quarantine.</summary>
    private sealed record Tracked(string Path, Proto.FileKind Kind, Guid Vm, ulong Inode, bool Resident);

    /// <summary>Where the orphans were found: still in place (and whose), or already in quarantine.</summary>
    private sealed class OrphanPlaces
    {
        public int InPlace { get; set; }

        public int Quarantined { get; set; }

        public HashSet<Guid> VmsInPlace { get; } = [];
    }

    private sealed record FreezeOutcome(int DelayMs, bool Sealed, int Acks, int Saved, double FreezeMs);
}

