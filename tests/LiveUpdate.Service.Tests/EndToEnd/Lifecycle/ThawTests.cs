using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>docs/design.md §7, Thaw: it abandons a sealed update or a running freeze, back to ACTIVE, and tells the VMMs (THAWED).</summary>
[Collection(LifecycleCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ThawTests
{
    private const ulong MemoryMiB = 2;

    [Fact(Timeout = 60_000)]
    public async Task Thaw_OfAFrozenRegion_ReturnsToActive_SendsThawed_AndReopensTheGate()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        await using var vmm = TestVmmProcess.Run(daemon, Guid.NewGuid(), "vm-thawed", MemoryMiB, seed: 11);
        await vmm.WaitForAsync("READY");
        var (final, _) = await FreezeCall.RunAsync(client, TimeSpan.FromSeconds(20));
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
        await vmm.WaitForAsync("ACKED");
        var frozen = await client.GetStatusAsync();
        Assert.Equal(LifecycleState.Frozen, frozen.State);

        var thaw = await client.ThawAsync();

        Assert.Equal(LifecycleState.Frozen, thaw.PreviousState);
        Assert.Equal(LifecycleState.Active, thaw.State);
        Assert.Contains("state=Active", await vmm.WaitForAsync("THAWED"), StringComparison.Ordinal);
        var active = await client.GetStatusAsync();
        Assert.Equal(LifecycleState.Active, active.State);
        Assert.True(active.Generation > frozen.Generation, $"generation {frozen.Generation} -> {active.Generation}");
        Assert.False(Assert.Single(active.Vmms).Acked);
        await client.CreateFileAsync("/after-thaw", 4096, FileKind.Blob);

        // Thawing an ACTIVE host changes nothing.
        var again = await client.ThawAsync();
        Assert.True(again.PreviousState == LifecycleState.Active && again.State == LifecycleState.Active, $"second thaw: {again}");
        Assert.Equal(active.Generation, (await client.GetStatusAsync()).Generation);

        // The VMM is still registered and takes part in the next freeze.
        var (second, _) = await FreezeCall.RunAsync(client, TimeSpan.FromSeconds(20));
        Assert.True(second.Phase == FreezePhase.Frozen, $"the second freeze ended {second.Phase}: {second.Message}");
        await vmm.WaitForAsync("ACKED");
        await client.ThawAsync();
        await vmm.WaitForAsync("THAWED");
        Assert.Equal(0, await vmm.StopAsync());
    }

    [Fact(Timeout = 60_000)]
    public async Task Thaw_DuringFreezing_AbortsTheRunningFreeze_AndSendsThawed()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        await using var vmm = TestVmmProcess.Run(daemon, Guid.NewGuid(), "vm-slow", MemoryMiB, seed: 12, noAck: true);
        await vmm.WaitForAsync("READY");
        var freeze = FreezeCall.Start(client, TimeSpan.FromSeconds(60));
        await freeze.WaitingForAcksAsync();
        await vmm.WaitForAsync("PREPARE");
        Assert.Equal(LifecycleState.Freezing, (await client.GetStatusAsync()).State);

        var thaw = await client.ThawAsync();

        Assert.Equal(LifecycleState.Freezing, thaw.PreviousState);
        Assert.Equal(LifecycleState.Active, thaw.State);
        var final = await freeze.FinishAsync(TimeSpan.FromSeconds(5)); // Thaw waited for it: its last message is on the way
        Assert.True(final.Phase == FreezePhase.Aborted, $"the freeze ended {final.Phase}: {final.Message}");
        Assert.Contains("thawed by an operator", final.Message, StringComparison.Ordinal);
        await vmm.WaitForAsync("THAWED");
        Assert.Equal(LifecycleState.Active, (await client.GetStatusAsync()).State);
        await client.CreateFileAsync("/after-thaw", 4096, FileKind.Blob);
    }
}
