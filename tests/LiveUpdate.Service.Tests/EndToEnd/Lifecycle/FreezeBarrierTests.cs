using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>
/// docs/design.md §7, the freeze barrier when VMMs do not all ack: a timeout without force aborts back to ACTIVE and thaws the
/// VMMs; with force the region seals FROZEN and the VMMs that did not ack are named; a VMM whose stream drops during the
/// freeze counts as not acked.
/// </summary>
[Collection(LifecycleCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class FreezeBarrierTests
{
    private const ulong MemoryMiB = 2;
    private static readonly TimeSpan s_shortTimeout = TimeSpan.FromSeconds(1.5);

    [Fact(Timeout = 60_000)]
    public async Task Freeze_VmmNeverAcks_TimesOut_AbortsToActive_AndTheVmmIsThawed()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        await using var silent = TestVmmProcess.Run(daemon, Guid.NewGuid(), "vm-silent", MemoryMiB, seed: 1, noAck: true);
        await silent.WaitForAsync("READY");

        var (final, progress) = await FreezeCall.RunAsync(client, s_shortTimeout);

        Assert.True(final.Phase == FreezePhase.Aborted, $"the freeze ended {final.Phase}: {final.Message}");
        Assert.False(final.Forced);
        Assert.Empty(final.Acked);
        var pending = Assert.Single(final.Pending);
        Assert.True(pending.VmUuid == silent.Vm.ToString() && pending.Name == "vm-silent" && pending.Connected, $"pending: {pending}");
        Assert.Contains("timed out", final.Message, StringComparison.Ordinal);
        Assert.Contains("vm-silent", final.Message, StringComparison.Ordinal);
        Assert.Contains(progress, p => p.Phase == FreezePhase.WaitingForAcks && p.Pending.Count == 1);
        Assert.DoesNotContain(progress, p => p.Phase == FreezePhase.Frozen);

        await silent.WaitForAsync("PREPARE");
        Assert.Contains("state=Active", await silent.WaitForAsync("THAWED"), StringComparison.Ordinal);
        Assert.False(silent.HasPrinted("ACKED"));

        var status = await client.GetStatusAsync();
        Assert.Equal(LifecycleState.Active, status.State);
        Assert.False(Assert.Single(status.Vmms).Acked);
        await client.CreateFileAsync("/after-abort", 4096, FileKind.Blob); // the gate is open again
        await StatusPolling.AssertCheckCleanAsync(client, "after the aborted freeze");
    }

    [Fact(Timeout = 60_000)]
    public async Task Freeze_AllAcked_LogsHowLongAfterTheLastAckTheRegionWasSealed()
    {
        // The daemon's own share of the blackout before the kexec, as the real-kexec lab reports it.
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        await using var vmm = TestVmmProcess.Run(daemon, Guid.NewGuid(), "vm-acks", MemoryMiB, seed: 6);
        await vmm.WaitForAsync("READY");

        var (final, _) = await FreezeCall.RunAsync(client, TimeSpan.FromSeconds(30));

        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
        var sealedLine = await daemon.WaitForOutputAsync(
            new System.Text.RegularExpressions.Regex(@"sealed FROZEN at generation \d+: 1 acked, 0 not acked, forced False, ([0-9.]+) ms; sealed ([0-9.]+) ms after the last ack"),
            TimeSpan.FromSeconds(10));
        Assert.True(sealedLine.Success, daemon.Output);
        double total = double.Parse(sealedLine.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double afterAck = double.Parse(sealedLine.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(afterAck, 0, total);
        await client.ThawAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task Freeze_ForcedWithAVmmThatNeverAcks_SealsFrozen_AndNamesThatVmm()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        await using var good = TestVmmProcess.Run(daemon, Guid.NewGuid(), "vm-good", MemoryMiB, seed: 2);
        await using var silent = TestVmmProcess.Run(daemon, Guid.NewGuid(), "vm-silent", MemoryMiB, seed: 3, noAck: true);
        await good.WaitForAsync("READY");
        await silent.WaitForAsync("READY");

        // Long enough for vm-good to save its state and ack even on a loaded machine; vm-silent never will.
        var (final, _) = await FreezeCall.RunAsync(client, TimeSpan.FromSeconds(2.5), force: true);

        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
        Assert.True(final.Forced);
        Assert.Equal(good.Vm.ToString(), Assert.Single(final.Acked).VmUuid);
        var pending = Assert.Single(final.Pending);
        Assert.True(pending.VmUuid == silent.Vm.ToString() && pending.Name == "vm-silent" && pending.Connected, $"pending: {pending}");
        Assert.Contains("by force", final.Message, StringComparison.Ordinal);
        Assert.Contains($"vm-silent ({silent.Vm})", final.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("vm-good", final.Message, StringComparison.Ordinal);

        await good.WaitForAsync("ACKED");
        var status = await client.GetStatusAsync();
        Assert.Equal(LifecycleState.Frozen, status.State);
        Assert.True(status.Vmms.Single(v => v.Name == "vm-good").Acked);
        Assert.False(status.Vmms.Single(v => v.Name == "vm-silent").Acked);
        Assert.False(silent.HasPrinted("THAWED"));
        await StatusPolling.AssertFailedPreconditionAsync(() => client.CreateFileAsync("/sealed", 4096, FileKind.Blob), "CreateFile when FROZEN");
        await client.ThawAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task Freeze_VmmStreamDropsDuringTheFreeze_CountsAsNotAcked_AndIsNamedAsDisconnected()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        await using var good = TestVmmProcess.Run(daemon, Guid.NewGuid(), "vm-good", MemoryMiB, seed: 4);
        await using var doomed = TestVmmProcess.Run(daemon, Guid.NewGuid(), "vm-doomed", MemoryMiB, seed: 5, noAck: true);
        await good.WaitForAsync("READY");
        await doomed.WaitForAsync("READY");

        var freeze = FreezeCall.Start(client, TimeSpan.FromSeconds(4), force: true);
        await doomed.WaitForAsync("PREPARE");
        await doomed.KillAsync(); // its stream drops in the middle of the freeze

        // Every change brings a progress message: one shows vm-good acked and vm-doomed pending, disconnected.
        await freeze.WaitForAsync(
            p => p.Phase == FreezePhase.WaitingForAcks
                && p.Acked.Any(v => v.VmUuid == good.Vm.ToString())
                && p.Pending.Any(v => v.VmUuid == doomed.Vm.ToString() && !v.Connected),
            "vm-good acked and vm-doomed pending, disconnected");
        await good.WaitForAsync("ACKED");
        var final = await freeze.FinishAsync();

        // Its ack never came, so only force seals; the final message says why it was missing.
        Assert.True(final.Phase == FreezePhase.Frozen && final.Forced, $"the freeze ended {final.Phase} (forced {final.Forced}): {final.Message}");
        var pending = Assert.Single(final.Pending);
        Assert.True(pending.VmUuid == doomed.Vm.ToString() && !pending.Connected, $"pending: {pending}");
        Assert.Contains($"vm-doomed ({doomed.Vm}, stream dropped)", final.Message, StringComparison.Ordinal);
        Assert.Equal(LifecycleState.Frozen, (await client.GetStatusAsync()).State);
        await client.ThawAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task Freeze_VmmStreamDropsWithoutForce_AbortsToActive_AndTheDroppedVmmIsForgotten()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        await using var good = TestVmmProcess.Run(daemon, Guid.NewGuid(), "vm-good", MemoryMiB, seed: 6);
        await using var doomed = TestVmmProcess.Run(daemon, Guid.NewGuid(), "vm-doomed", MemoryMiB, seed: 7, noAck: true);
        await good.WaitForAsync("READY");
        await doomed.WaitForAsync("READY");

        var freeze = FreezeCall.Start(client, TimeSpan.FromSeconds(3));
        await doomed.WaitForAsync("PREPARE");
        await doomed.KillAsync();
        var final = await freeze.FinishAsync();

        Assert.True(final.Phase == FreezePhase.Aborted, $"the freeze ended {final.Phase}: {final.Message}");
        var pending = Assert.Single(final.Pending);
        Assert.True(pending.VmUuid == doomed.Vm.ToString() && !pending.Connected, $"pending: {pending}");
        Assert.Contains("stream dropped", final.Message, StringComparison.Ordinal);
        await good.WaitForAsync("ACKED");
        await good.WaitForAsync("THAWED");

        var status = await client.GetStatusAsync();
        Assert.Equal(LifecycleState.Active, status.State);
        Assert.Equal("vm-good", Assert.Single(status.Vmms).Name); // the dropped registration is gone once the freeze is over
    }

    [Fact(Timeout = 60_000)]
    public async Task Freeze_VmmsRegisteringWhileItWaits_GetRegisteredFirst_ThenPrepareForUpdate_AndCountAsPending()
    {
        const int Late = 24;
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        using var early = await client.RegisterVmmAsync(Guid.NewGuid(), "vm-early");
        var freeze = FreezeCall.Start(client, TimeSpan.FromSeconds(60));
        await freeze.WaitingForAcksAsync();
        Assert.NotNull(await early.WaitForAsync(VmmEventKind.PrepareForUpdate));

        // Each registration wakes the waiting freeze, which tells the newcomer at once: REGISTERED must still come first.
        var late = await Task.WhenAll(Enumerable.Range(0, Late).Select(i => Task.Run(() => client.RegisterVmmAsync(Guid.NewGuid(), $"vm-late-{i}"))));
        try
        {
            foreach (var session in late)
            {
                var prepare = await session.ReadAsync().WaitAsync(TimeSpan.FromSeconds(10));
                Assert.True(prepare?.Kind == VmmEventKind.PrepareForUpdate, $"{session.VmUuid}: expected PREPARE_FOR_UPDATE after REGISTERED, got {prepare}");
            }

            await freeze.WaitForAsync(p => p.Phase == FreezePhase.WaitingForAcks && p.Pending.Count == Late + 1, $"{Late + 1} VMMs pending");
            await client.ThawAsync();
            var final = await freeze.FinishAsync();
            Assert.Equal(FreezePhase.Aborted, final.Phase);
            Assert.Equal(Late + 1, final.Pending.Count);
            foreach (var session in late.Append(early))
            {
                Assert.NotNull(await session.WaitForAsync(VmmEventKind.Thawed).WaitAsync(TimeSpan.FromSeconds(10)));
            }
        }
        finally
        {
            foreach (var session in late)
            {
                session.Dispose();
            }
        }
    }
}
