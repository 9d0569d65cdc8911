using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>
/// docs/design.md §7, what the daemon makes of the boot id at start: an ACTIVE region on a new boot is an unplanned reboot
/// (reconciled, with a warning that device state may be stale); the same boot is a daemon restart only: ACTIVE stays
/// ACTIVE without a reconcile, and FROZEN stays sealed until Thaw.
/// </summary>
[Collection(LifecycleCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class RestartAndRebootTests
{
    private const ulong MemoryMiB = 8;

    [Fact(Timeout = 60_000)]
    public async Task UnplannedReboot_ActiveRegionOnANewBoot_ReconcilesWithAWarning_AndTheFilesAreResumable()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        var vm = Guid.NewGuid();
        var oldBoot = (await client.GetStatusAsync()).BootId;
        await using (var vmm = TestVmmProcess.Run(daemon, vm, "vm-crashed", MemoryMiB, seed: 21))
        {
            await vmm.WaitForAsync("READY");

            // The host goes down without a freeze: nobody saved device state.
            await daemon.KillAsync();
            await vmm.KillAsync();
        }

        // As after a real reboot, the VMM may start before the daemon: it retries RegisterVmm until the daemon serves,
        // and is told RECLAIM_READY when the reconcile has ended (by the reconcile, or at registration if it came later).
        var newBoot = StatusPolling.NewBoot(daemon);
        var reclaim = TestVmmProcess.ReclaimAsync(daemon, vm, MemoryMiB, seed: 21, deviceState: false);
        await daemon.StartAsync();
        var status = await StatusPolling.WaitForStartupReconcileAsync(client);

        Assert.Equal(LifecycleState.Active, status.State);
        Assert.True(status.KexecDetected);
        Assert.Equal(ReconcileCause.UnplannedReboot, status.ReconcileCause);
        Assert.Equal(oldBoot, status.PreviousBootId);
        Assert.Equal(newBoot.ToString(), status.BootId);
        Assert.Equal("none", status.Inventory);
        var report = status.LastReconcile;
        Assert.Equal(ReconcileCause.UnplannedReboot, report.Cause);
        Assert.True(report.KexecDetected);
        Assert.Empty(report.Problems);
        Assert.Contains(report.Warnings, w => w.Contains("unplanned reboot", StringComparison.Ordinal) && w.Contains("stale", StringComparison.Ordinal));
        Assert.True(report.Resumable == 1 && report.Orphaned == 0 && report.Missing == 0, $"report: {report}");
        var verdict = Assert.Single(report.Vms);
        Assert.True(verdict.VmUuid == vm.ToString() && verdict.Verdict == VmVerdictKind.Resumable, $"verdict: {verdict}");
        Assert.Equal($"/vm/{vm:D}/memory", Assert.Single(verdict.Files).Path);

        // The guest memory is all there (its device state never was).
        var outcome = await reclaim;
        Assert.True(outcome.ExitCode == 0, $"reclaim exited {outcome.ExitCode}\n{outcome.Transcript}");
        Assert.Equal("RECLAIMED ok verdict=Resumable files=1", outcome.Lines[^1]);
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Theory(Timeout = 60_000)]
    [InlineData("SIGTERM")]
    [InlineData("SIGKILL")]
    public async Task DaemonRestart_SameBoot_ActiveStaysActive_WithoutAReconcile(string signal)
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        var created = await client.CreateFileAsync("/kept", 2 * Clients.MiB, FileKind.GuestMemory, Guid.NewGuid());
        var before = await client.GetStatusAsync();

        await StopAsync(daemon, signal);
        await daemon.StartAsync();
        var after = await client.GetStatusAsync();

        Assert.Equal(LifecycleState.Active, after.State);
        Assert.False(after.KexecDetected);
        Assert.Equal(ReconcileCause.None, after.ReconcileCause);
        Assert.Null(after.LastReconcile);
        Assert.Equal(before.BootId, after.BootId);
        Assert.Equal(before.PreviousBootId, after.PreviousBootId);
        Assert.Equal(created.Inode, (await client.StatAsync("/kept")).Inode);
        await client.CreateFileAsync("/after-restart", 4096, FileKind.Blob); // not gated
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Theory(Timeout = 60_000)]
    [InlineData("SIGTERM")]
    [InlineData("SIGKILL")]
    public async Task DaemonRestart_SameBoot_FrozenStaysFrozen_UntilThaw(string signal)
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        await client.CreateFileAsync("/kept", 4096, FileKind.Blob);
        var (final, _) = await FreezeCall.RunAsync(client, TimeSpan.FromSeconds(10));
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");

        await StopAsync(daemon, signal);
        await daemon.StartAsync();
        var after = await client.GetStatusAsync();

        Assert.Equal(LifecycleState.Frozen, after.State);
        Assert.False(after.KexecDetected);
        Assert.Null(after.LastReconcile);
        await StatusPolling.AssertFailedPreconditionAsync(() => client.CreateFileAsync("/new", 4096, FileKind.Blob), "CreateFile after a restart while FROZEN");
        await StatusPolling.AssertFailedPreconditionAsync(() => client.RemoveAsync("/kept"), "Remove after a restart while FROZEN");
        await StatusPolling.AssertFailedPreconditionAsync(() => client.FreezeAsync(TimeSpan.FromSeconds(1)), "Freeze while FROZEN");
        Assert.Equal(4096UL, (await client.StatAsync("/kept")).SizeBytes);

        var thaw = await client.ThawAsync();
        Assert.True(thaw.PreviousState == LifecycleState.Frozen && thaw.State == LifecycleState.Active, $"thaw: {thaw}");
        Assert.Equal(LifecycleState.Active, (await client.GetStatusAsync()).State);
        await client.CreateFileAsync("/new", 4096, FileKind.Blob);
        await StatusPolling.AssertCheckCleanAsync(client, "after the thaw");
        Assert.Equal(0, await daemon.StopAsync());
    }

    private static async Task StopAsync(DaemonProcess daemon, string signal)
    {
        if (signal == "SIGTERM")
        {
            Assert.Equal(0, await daemon.StopAsync());
        }
        else
        {
            await daemon.KillAsync();
        }
    }
}
