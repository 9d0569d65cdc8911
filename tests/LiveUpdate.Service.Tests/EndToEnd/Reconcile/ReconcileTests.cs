using System.Text.RegularExpressions;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using Xunit.Abstractions;

namespace LiveUpdate.Service.Tests.EndToEnd.Reconcile;

/// <summary>
/// docs/design.md §7 reconcile against a real daemon and libvirt's in-process test driver: a planned update (Freeze → FROZEN →
/// the daemon goes away → new boot id → restart) reconciles by itself; ORPHANED files move to /quarantine/{stamp}/…,
/// MISSING domains are reported, RESUMABLE files stay; dry runs change nothing; no or an unreadable inventory judges the
/// files alone; CollectGarbage deletes whole quarantine batches by age.
/// </summary>
[Collection(ReconcileCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed partial class ReconcileTests(ITestOutputHelper output)
{
    [GeneratedRegex(@"^/quarantine/\d{8}T\d{6}Z(-\d+)?$")]
    private static partial Regex BatchPattern();

    [Theory(Timeout = 120_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PlannedUpdate_QuarantinesOrphans_ReportsMissing_KeepsResumable_WithTheFullReport(bool kill)
    {
        await using var scenario = await ReconcileScenario.StartAsync(node => ["--libvirt-uri", node.Uri]);
        var client = scenario.Client;
        var before = await scenario.WalkAsync();

        // Sealed: an operator reconcile (even a dry run) waits for the kexec.
        var frozen = await client.FreezeAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(FreezePhase.Frozen, frozen.Phase);
        var refused = await Assert.ThrowsAsync<LiveUpdateException>(() => client.ReconcileAsync(dryRun: true));
        Assert.Equal(LiveUpdateError.FailedPrecondition, refused.Error);
        Assert.Equal(LifecycleState.Frozen, (await client.GetStatusAsync()).State);
        await client.ThawAsync();

        var (oldBoot, newBoot, status, restartedAt) = await scenario.PlannedUpdateAsync(kill, scenario.LibvirtArgs);
        var report = status.LastReconcile;
        output.WriteLine(report.ToString());

        // The status: ACTIVE again, the boot change seen, the cause kept.
        Assert.Equal(LifecycleState.Active, status.State);
        Assert.True(status.KexecDetected);
        Assert.Equal(ReconcileCause.PlannedUpdate, status.ReconcileCause);
        Assert.Equal(newBoot.ToString(), status.BootId);
        Assert.Equal(oldBoot.ToString(), status.PreviousBootId);
        Assert.Equal("libvirt " + scenario.Node.Uri, status.Inventory);

        // The report's header.
        Assert.False(report.DryRun);
        Assert.True(report.KexecDetected);
        Assert.Equal(ReconcileCause.PlannedUpdate, report.Cause);
        Assert.Equal(oldBoot.ToString(), report.PreviousBootId);
        Assert.Equal(newBoot.ToString(), report.CurrentBootId);
        Assert.Equal(LifecycleState.Active, report.State);
        Assert.Empty(report.Problems);
        Assert.DoesNotContain(report.Warnings, w => w.Contains("unplanned", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(report.Warnings, w => w.Contains("inventory", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("libvirt " + scenario.Node.Uri, report.Inventory);
        Assert.Equal((2u, 2u, 2u), (report.Resumable, report.Orphaned, report.Missing));
        var duration = report.Duration.ToTimeSpan();
        var inventoryDuration = report.InventoryDuration.ToTimeSpan();
        Assert.True(duration > TimeSpan.Zero, $"duration {duration}");
        Assert.True(inventoryDuration > TimeSpan.Zero && inventoryDuration <= duration, $"inventory {inventoryDuration} of {duration}");
        var finished = report.FinishedAt.ToDateTimeOffset();
        Assert.InRange(finished, restartedAt.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        // One verdict per VM with files or marked persistent, each as docs/design.md §7 says.
        AssertVerdicts(scenario, report, v => v.Expected);
        var after = await scenario.WalkAsync();
        string? batch = null;
        foreach (var vm in scenario.Vms)
        {
            var verdict = report.Vms.SingleOrDefault(v => v.VmUuid == vm.Uuid.ToString());
            switch (vm.Expected)
            {
                case VmVerdictKind.Orphaned:
                    Assert.Equal(string.Empty, verdict!.Name);
                    Assert.Contains("quarantined", verdict.Message, StringComparison.Ordinal);
                    foreach (var file in verdict.Files)
                    {
                        // Moved: gone from its path, found under /quarantine/{stamp}/{original path}, the same inode and bytes.
                        Assert.False(after.ContainsKey(file.Path), $"{file.Path} is still in place");
                        Assert.EndsWith(file.Path, file.QuarantinePath, StringComparison.Ordinal);
                        var fileBatch = file.QuarantinePath[..^file.Path.Length];
                        Assert.Matches(BatchPattern(), fileBatch);
                        batch ??= fileBatch;
                        Assert.Equal(batch, fileBatch); // one batch per reconcile
                        var moved = after[file.QuarantinePath];
                        var original = before[file.Path];
                        Assert.Equal(original.Kind, moved.Kind);
                        Assert.Equal(original.SizeBytes, moved.SizeBytes);
                        Assert.Equal(original.Inode, moved.Inode);
                        Assert.Equal(original.VmUuid, moved.VmUuid);
                        Assert.Equal(original.Extents, moved.Extents);
                        Assert.Equal(file.Kind, moved.Kind);
                        Assert.Equal(file.SizeBytes, moved.SizeBytes);
                    }

                    // Never resumable: Reclaim finds nothing of it.
                    var notFound = await Assert.ThrowsAsync<LiveUpdateException>(() => scenario.Client.ReclaimAsync(vm.Uuid));
                    Assert.Equal(LiveUpdateError.NotFound, notFound.Error);
                    break;
                case VmVerdictKind.Resumable:
                    Assert.Equal(vm.Name, verdict!.Name);
                    var reclaimed = await scenario.Client.ReclaimAsync(vm.Uuid);
                    Assert.Equal(VmVerdictKind.Resumable, reclaimed.Verdict);
                    Assert.Equal(vm.Files.Select(f => f.Path).Order(StringComparer.Ordinal), reclaimed.Files.Select(f => f.File.Path));
                    Assert.All(reclaimed.Files, f => Assert.NotEmpty(f.Open.Token));
                    break;
                case VmVerdictKind.Missing:
                    Assert.Equal(vm.Name, verdict!.Name);
                    Assert.Contains("persistent", verdict.Message, StringComparison.Ordinal);
                    if (vm.Files.Length == 0)
                    {
                        var none = await Assert.ThrowsAsync<LiveUpdateException>(() => scenario.Client.ReclaimAsync(vm.Uuid));
                        Assert.Equal(LiveUpdateError.NotFound, none.Error);
                    }

                    break;
            }

            if (vm.Expected != VmVerdictKind.Orphaned)
            {
                // Kept in place, untouched.
                foreach (var file in vm.Files)
                {
                    Assert.Equal(before[file.Path], after[file.Path]);
                }

                Assert.All(verdict?.Files ?? [], f => Assert.Equal(string.Empty, f.QuarantinePath));
            }
        }

        Assert.Equal(before[ReconcileScenario.UnownedBlob], after[ReconcileScenario.UnownedBlob]);
        Assert.NotNull(batch);
        Assert.Equal(0x1C0u, after[batch!].Mode & 0xFFF); // quarantine is root's business
        Assert.Equal(0x1C0u, after["/quarantine"].Mode & 0xFFF);

        // Everything quarantined is accounted for, and nothing else appeared.
        var quarantined = report.Vms.SelectMany(v => v.Files).Where(f => f.QuarantinePath.Length > 0).Select(f => f.QuarantinePath).ToHashSet();
        Assert.Equal(4, quarantined.Count);
        Assert.Equal(quarantined.Order(StringComparer.Ordinal),
            after.Values.Where(f => f.Path.StartsWith("/quarantine/", StringComparison.Ordinal) && f.Kind != FileKind.Directory).Select(f => f.Path).Order(StringComparer.Ordinal));

        // The whole region is still consistent: the daemon's own check finds nothing.
        var check = await client.CheckAsync();
        Assert.True(check.Clean, check.ToString());
    }

    [Fact(Timeout = 120_000)]
    public async Task DryRun_OnAFreshSetup_ChangesNothing_YetGivesTheVerdictsThePlannedUpdateThenApplies()
    {
        await using var scenario = await ReconcileScenario.StartAsync(node => ["--libvirt-uri", node.Uri]);
        var client = scenario.Client;
        var treeBefore = await RegionTree.CaptureAsync(client.FilesClient);
        var statusBefore = await client.GetStatusAsync();

        var dry = await client.ReconcileAsync(dryRun: true);
        output.WriteLine(dry.ToString());

        var treeAfter = await RegionTree.CaptureAsync(client.FilesClient);
        treeBefore.AssertUnchanged(treeAfter, "a dry-run reconcile");
        Assert.False(await scenario.ExistsAsync("/quarantine"));
        var statusAfter = await client.GetStatusAsync();
        Assert.Equal(LifecycleState.Active, statusAfter.State);
        Assert.Equal(statusBefore.Generation, statusAfter.Generation);
        Assert.Equal(statusBefore.ReconcileCause, statusAfter.ReconcileCause);
        Assert.Equal(dry, statusAfter.LastReconcile);

        Assert.True(dry.DryRun);
        Assert.False(dry.CheckedAtAttach); // an operator's reconcile checks afresh
        Assert.True(dry.CheckDuration.ToTimeSpan() > TimeSpan.Zero, $"check duration {dry.CheckDuration}");
        Assert.False(dry.KexecDetected);
        Assert.Equal(ReconcileCause.Operator, dry.Cause);
        Assert.Equal(LifecycleState.Active, dry.State);
        Assert.Equal((2u, 2u, 2u), (dry.Resumable, dry.Orphaned, dry.Missing));
        Assert.Equal("libvirt " + scenario.Node.Uri, dry.Inventory);
        Assert.Empty(dry.Problems);
        AssertVerdicts(scenario, dry, v => v.Expected);
        Assert.All(dry.Vms.SelectMany(v => v.Files), f => Assert.Equal(string.Empty, f.QuarantinePath));
        Assert.All(dry.Vms.Where(v => v.Verdict == VmVerdictKind.Orphaned), v => Assert.Contains("would be quarantined", v.Message, StringComparison.Ordinal));

        // A second dry run says the same thing, and still changes nothing.
        var again = await client.ReconcileAsync(dryRun: true);
        Assert.Equal(Verdicts(dry), Verdicts(again));
        treeBefore.AssertUnchanged(await RegionTree.CaptureAsync(client.FilesClient), "a second dry run");

        // The real reconcile after a planned update judges every VM as the dry run did.
        var (_, _, status, _) = await scenario.PlannedUpdateAsync(kill: false, scenario.LibvirtArgs);
        Assert.Equal(Verdicts(dry), Verdicts(status.LastReconcile));
        Assert.True(status.LastReconcile.CheckedAtAttach, status.LastReconcile.ToString());
        Assert.All(status.LastReconcile.Vms.Where(v => v.Verdict == VmVerdictKind.Orphaned).SelectMany(v => v.Files),
            f => Assert.NotEqual(string.Empty, f.QuarantinePath));
    }

    [Fact(Timeout = 120_000)]
    public async Task NoLibvirtUri_ReconcilesOnFilesAlone_EveryVmWithFilesResumable_NothingMoved()
    {
        await using var scenario = await ReconcileScenario.StartAsync(_ => []);
        var before = await scenario.WalkAsync();

        var (_, _, status, _) = await scenario.PlannedUpdateAsync(kill: true);
        var report = status.LastReconcile;
        output.WriteLine(report.ToString());

        Assert.Equal("none", status.Inventory);
        Assert.Equal("none", report.Inventory);
        Assert.Equal(ReconcileCause.PlannedUpdate, report.Cause);
        Assert.Equal(LifecycleState.Active, report.State);
        Assert.Equal(TimeSpan.Zero, report.InventoryDuration?.ToTimeSpan() ?? TimeSpan.Zero);
        Assert.Equal((5u, 0u, 0u), (report.Resumable, report.Orphaned, report.Missing));
        AssertVerdicts(scenario, report, v => v.ExpectedOnFilesAlone);
        Assert.All(report.Vms, v => Assert.Contains("no inventory configured", v.Message, StringComparison.Ordinal));
        Assert.Empty(report.Problems);

        var after = await scenario.WalkAsync();
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        Assert.All(before, e => Assert.Equal(e.Value, after[e.Key]));
        Assert.False(await scenario.ExistsAsync("/quarantine"));

        // Without an inventory, a VM libvirt would not know is still reclaimable.
        var charlie = await scenario.Client.ReclaimAsync(scenario["charlie"].Uuid);
        Assert.Equal(VmVerdictKind.Resumable, charlie.Verdict);
        Assert.Equal(["/vms/charlie/ram", "/vms/charlie/state"], charlie.Files.Select(f => f.File.Path));
    }

    [Fact(Timeout = 120_000)]
    public async Task UnreadableLibvirtUri_ReconcileStillCompletes_WithAWarning_AndQuarantinesNothing()
    {
        const string bad = "test:///nonexistent/liveupdate/node.xml";
        await using var scenario = await ReconcileScenario.StartAsync(_ => ["--libvirt-uri", bad]);
        var before = await scenario.WalkAsync();

        // The reconcile after the boot waits for it (--libvirt-wait), retrying, then judges files alone.
        var (_, _, status, restartedAt) = await scenario.PlannedUpdateAsync(kill: false, "--libvirt-uri", bad, "--libvirt-wait", "2");
        var report = status.LastReconcile;
        output.WriteLine(report.ToString());
        Assert.True(report.FinishedAt.ToDateTimeOffset() - restartedAt >= TimeSpan.FromSeconds(1), $"finished {report.FinishedAt}, restarted {restartedAt:O}");

        Assert.Equal(LifecycleState.Active, status.State);
        Assert.Equal(LifecycleState.Active, report.State);
        Assert.Equal(ReconcileCause.PlannedUpdate, report.Cause);
        Assert.Equal("libvirt " + bad, report.Inventory);
        var warning = Assert.Single(report.Warnings, w => w.Contains("could not be read", StringComparison.Ordinal));
        Assert.Contains(bad, warning, StringComparison.Ordinal);
        Assert.Contains("nothing quarantined", warning, StringComparison.Ordinal);
        Assert.Contains("after waiting", warning, StringComparison.Ordinal);
        Assert.Empty(report.Problems);
        Assert.Equal((5u, 0u, 0u), (report.Resumable, report.Orphaned, report.Missing));
        AssertVerdicts(scenario, report, v => v.ExpectedOnFilesAlone);
        Assert.All(report.Vms, v => Assert.Contains("inventory unavailable", v.Message, StringComparison.Ordinal));
        Assert.All(report.Vms.SelectMany(v => v.Files), f => Assert.Equal(string.Empty, f.QuarantinePath));

        var after = await scenario.WalkAsync();
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        Assert.All(before, e => Assert.Equal(e.Value, after[e.Key]));
        Assert.False(await scenario.ExistsAsync("/quarantine"));
    }

    [Fact(Timeout = 120_000)]
    public async Task LibvirtThatAnswersDuringTheWait_IsTheInventoryOfTheReconcileAfterTheBoot()
    {
        await using var scenario = await ReconcileScenario.StartAsync(node => ["--libvirt-uri", node.Uri]);
        // libvirt is not there yet when the daemon starts after the boot (its node file appears 2 s later): the
        // reconcile retries within --libvirt-wait and then judges with the inventory, quarantining the orphans.
        string later = scenario.Node.Path + ".later.xml";
        File.Delete(later);
        var appears = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            File.Copy(scenario.Node.Path, later);
        });
        var (_, _, status, _) = await scenario.PlannedUpdateAsync(kill: true, "--libvirt-uri", "test://" + later, "--libvirt-wait", "30");
        await appears;
        var report = status.LastReconcile;
        output.WriteLine(report.ToString());

        Assert.Equal(LifecycleState.Active, report.State);
        Assert.DoesNotContain(report.Warnings, w => w.Contains("inventory", StringComparison.OrdinalIgnoreCase));
        Assert.True(report.InventoryDuration.ToTimeSpan() >= TimeSpan.FromSeconds(1), $"inventory read in {report.InventoryDuration}");
        AssertVerdicts(scenario, report, v => v.Expected);
        Assert.Contains("waits for it", scenario.Daemon.Output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task CollectGarbage_RemovesBatchesOlderThanTheAge_KeepsYoungerOnes_AndADryRunRemovesNothing()
    {
        await using var scenario = await ReconcileScenario.StartAsync(node => ["--libvirt-uri", node.Uri]);
        var client = scenario.Client;
        var (_, _, status, _) = await scenario.PlannedUpdateAsync(kill: true, scenario.LibvirtArgs);
        var first = status.LastReconcile.Vms.SelectMany(v => v.Files).Where(f => f.QuarantinePath.Length > 0).ToList();
        Assert.Equal(4, first.Count);
        var firstBatch = first[0].QuarantinePath[..^first[0].Path.Length];

        // Nothing is old enough for a day's age: every quarantined file is kept, nothing changes.
        var tree = await RegionTree.CaptureAsync(client.FilesClient);
        var none = await client.CollectGarbageAsync(TimeSpan.FromDays(1));
        Assert.Empty(none.Removed);
        Assert.Equal(0ul, none.BytesFreed);
        Assert.Equal(4u, none.Kept);
        tree.AssertUnchanged(await RegionTree.CaptureAsync(client.FilesClient), "CollectGarbage with nothing old enough");

        // A dry run of age zero names every file and the bytes it would free, and removes nothing.
        var allocated = tree.Entries.Where(e => e.Path.StartsWith("/quarantine/", StringComparison.Ordinal) && e.Kind != FileKind.Directory)
            .Aggregate(0ul, (sum, e) => sum + e.AllocatedBytes);
        var dry = await client.CollectGarbageAsync(TimeSpan.Zero, dryRun: true);
        Assert.Equal(first.Select(f => f.QuarantinePath).Order(StringComparer.Ordinal), dry.Removed.Order(StringComparer.Ordinal));
        Assert.Equal(allocated, dry.BytesFreed);
        Assert.Equal(0u, dry.Kept);
        tree.AssertUnchanged(await RegionTree.CaptureAsync(client.FilesClient), "a dry-run CollectGarbage");

        // A second, younger batch: files of another unknown VM, quarantined by an operator reconcile at least a second later.
        var hotel = Guid.NewGuid();
        await client.MakeDirectoryAsync("/vms/hotel");
        await client.CreateFileAsync("/vms/hotel/ram", 2 * Clients.MiB, FileKind.GuestMemory, hotel);
        await client.CreateFileAsync("/vms/hotel/state", 64, FileKind.DeviceState, hotel);
        var firstCreated = (await client.StatAsync(firstBatch)).CreatedAt.ToDateTimeOffset();
        var wait = firstCreated + TimeSpan.FromSeconds(1.6) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait); // the batches' ages must differ by more than the calls below take
        }

        var operatorRun = await client.ReconcileAsync();
        Assert.Equal(ReconcileCause.Operator, operatorRun.Cause);
        Assert.Equal(LifecycleState.Active, operatorRun.State);
        Assert.Equal(1u, operatorRun.Orphaned); // the earlier orphans are in quarantine, no longer judged
        var second = operatorRun.Vms.Single(v => v.Verdict == VmVerdictKind.Orphaned);
        Assert.Equal(hotel.ToString(), second.VmUuid);
        var secondBatch = second.Files[0].QuarantinePath[..^second.Files[0].Path.Length];
        Assert.NotEqual(firstBatch, secondBatch);
        Assert.Matches(BatchPattern(), secondBatch);
        var secondCreated = (await client.StatAsync(secondBatch)).CreatedAt.ToDateTimeOffset();
        Assert.True(secondCreated - firstCreated >= TimeSpan.FromSeconds(1.5), $"{firstCreated:O} then {secondCreated:O}");

        // An age just under the first batch's: the first goes, the second (1.5 s younger) stays, however long the call takes
        // to reach the daemon, up to 1.4 s.
        var usage = await client.GetRegionAsync();
        var age = DateTimeOffset.UtcNow - firstCreated - TimeSpan.FromMilliseconds(100);
        var collected = await client.CollectGarbageAsync(age);
        Assert.Equal(first.Select(f => f.QuarantinePath).Order(StringComparer.Ordinal), collected.Removed.Order(StringComparer.Ordinal));
        Assert.Equal(allocated, collected.BytesFreed);
        Assert.Equal(2u, collected.Kept);
        Assert.False(await scenario.ExistsAsync(firstBatch));
        foreach (var file in first)
        {
            Assert.False(await scenario.ExistsAsync(file.QuarantinePath));
            Assert.False(await scenario.ExistsAsync(file.Path));
        }

        foreach (var file in second.Files)
        {
            var kept = await client.StatAsync(file.QuarantinePath);
            Assert.Equal(file.SizeBytes, kept.SizeBytes);
        }

        // Space came back: the free bytes grew by at least what was freed (the batch's directories went too).
        var region = await client.GetRegionAsync();
        Assert.True(region.FreeBytes >= usage.FreeBytes + collected.BytesFreed, $"free {usage.FreeBytes} -> {region.FreeBytes}, freed {collected.BytesFreed}");
        Assert.Equal(usage.FileCount - 4, region.FileCount);

        // Age zero: the rest goes too; the quarantine root stays, empty.
        var rest = await client.CollectGarbageAsync(TimeSpan.Zero);
        Assert.Equal(second.Files.Select(f => f.QuarantinePath).Order(StringComparer.Ordinal), rest.Removed.Order(StringComparer.Ordinal));
        Assert.Equal(0u, rest.Kept);
        Assert.Empty(await client.ListAsync("/quarantine"));
        var emptyRun = await client.CollectGarbageAsync(TimeSpan.Zero);
        Assert.Empty(emptyRun.Removed);
        Assert.Equal(0u, emptyRun.Kept);

        // Everything else is where it was.
        foreach (var vm in scenario.Vms.Where(v => v.Expected != VmVerdictKind.Orphaned))
        {
            foreach (var file in vm.Files)
            {
                Assert.True(await scenario.ExistsAsync(file.Path), file.Path);
            }
        }

        Assert.True((await client.CheckAsync()).Clean);
    }

    /// <summary>Asserts one verdict per VM that <paramref name="expected"/> gives one, with its files, and no other verdict.</summary>
    private static void AssertVerdicts(ReconcileScenario scenario, ReconcileReport report, Func<SeededVm, VmVerdictKind?> expected)
    {
        var wanted = scenario.Vms.Where(v => expected(v) is not null).ToDictionary(v => v.Uuid.ToString());
        Assert.Equal(wanted.Keys.Order(StringComparer.Ordinal), report.Vms.Select(v => v.VmUuid).Order(StringComparer.Ordinal));
        foreach (var verdict in report.Vms)
        {
            var vm = wanted[verdict.VmUuid];
            Assert.True(expected(vm) == verdict.Verdict, $"{vm.Name}: expected {expected(vm)}, got {verdict}");
            Assert.Equal(
                vm.Files.Select(f => (f.Path, f.Kind, f.Size)).OrderBy(f => f.Path, StringComparer.Ordinal),
                verdict.Files.Select(f => (f.Path, f.Kind, f.SizeBytes)));
            Assert.False(string.IsNullOrEmpty(verdict.Message));
        }

        Assert.Equal(report.Vms.Count(v => v.Verdict == VmVerdictKind.Resumable), (int)report.Resumable);
        Assert.Equal(report.Vms.Count(v => v.Verdict == VmVerdictKind.Orphaned), (int)report.Orphaned);
        Assert.Equal(report.Vms.Count(v => v.Verdict == VmVerdictKind.Missing), (int)report.Missing);
    }

    /// <summary>The verdicts without what only a real run fills in (quarantine paths) or words it differently (messages).</summary>
    private static IEnumerable<string> Verdicts(ReconcileReport report) => report.Vms
        .OrderBy(v => v.VmUuid, StringComparer.Ordinal)
        .Select(v => $"{v.VmUuid} {v.Name} {v.Verdict}: " + string.Join(", ", v.Files.Select(f => $"{f.Path} {f.Kind} {f.SizeBytes}")));
}
