using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Isolation;

/// <summary>
/// Issue 15, finding 2: any uid could RegisterVmm for any VM, first come first served; the real VMM was refused and a
/// freeze sealed FROZEN on the squatter's ack. Now only the VM's owner (the owner of its files), root, the daemon's uid
/// and the admin group register for it; a new registration by the owner replaces the old one, whose stream gets
/// REPLACED and ends (docs/design.md §13).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class VmmSquattingTests(RunningDaemon fixture) : IClassFixture<RunningDaemon>
{
    [RootFact(Timeout = 120_000)]
    public async Task AnotherUidsRegistration_IsRefused_TheOwnersIsTaken_AndTheFreezeWaitsForTheOwnersVmm()
    {
        var vm = Guid.NewGuid();
        await using var root = Clients.For(fixture.Daemon);
        await root.MakeDirectoryAsync("/vm");
        await root.MakeDirectoryAsync($"/vm/{vm}");
        await root.CreateFileAsync($"/vm/{vm}/ram", 2 * Clients.MiB, FileKind.GuestMemory, vm);

        var squatter = await TestPeer.RunAsync(Peers.Nobody, fixture.Daemon.SocketDirectory, $"register {vm} squatter");
        Peers.AssertResults(squatter, "PermissionDenied");
        Assert.Contains($"uid 65534 may not register as the VMM of VM {vm}: it belongs to uid 0", squatter[0].Detail, StringComparison.Ordinal);

        using var real = await root.RegisterVmmAsync(vm, "real");
        Peers.AssertResults(await TestPeer.RunAsync(Peers.Nobody, fixture.Daemon.SocketDirectory, $"register {vm} squatter"), "PermissionDenied");

        // The freeze asks the real VMM and seals only on its ack.
        var progress = new System.Collections.Concurrent.ConcurrentQueue<FreezeProgress>();
        var freeze = root.FreezeAsync(TimeSpan.FromSeconds(60), progress: progress.Enqueue);
        Assert.NotNull(await real.WaitForAsync(VmmEventKind.PrepareForUpdate));
        Assert.False(freeze.IsCompleted, "the freeze ended before the VM's own VMM acked");
        await root.AckFreezeAsync(vm);
        var sealedAt = await freeze;
        Assert.Equal(FreezePhase.Frozen, sealedAt.Phase);
        Assert.False(sealedAt.Forced);
        Assert.Empty(sealedAt.Pending);
        Assert.Contains(progress, p => p.Phase == FreezePhase.WaitingForAcks && p.Pending.Any(v => v.VmUuid == vm.ToString()));
        await root.ThawAsync();
    }

    [RootFact(Timeout = 120_000)]
    public async Task OwnersNewRegistration_ReplacesTheOld_WhoseStreamSaysSoAndEnds()
    {
        var vm = Guid.NewGuid();
        await using var root = Clients.For(fixture.Daemon);
        await root.MakeDirectoryAsync($"/owned-{vm:N}");
        await root.CreateFileAsync($"/owned-{vm:N}/ram", 2 * Clients.MiB, FileKind.GuestMemory, vm);

        using var first = await root.RegisterVmmAsync(vm, "first");
        using var second = await root.RegisterVmmAsync(vm, "second");

        var replaced = await first.ReadAsync();
        Assert.NotNull(replaced);
        Assert.Equal(VmmEventKind.Replaced, replaced.Kind);
        Assert.Contains($"replaced by a newer registration of VM {vm}", replaced.Message, StringComparison.Ordinal);
        Assert.Null(await first.ReadAsync());

        var status = await root.GetStatusAsync();
        var registered = Assert.Single(status.Vmms, v => v.VmUuid == vm.ToString());
        Assert.Equal("second", registered.Name);
    }

    [RootFact(Timeout = 120_000)]
    public async Task VmOfAnUnprivilegedOwner_IsRegisteredByItsOwner_AndNotByAnotherUid()
    {
        var vm = Guid.NewGuid();
        await using (var root = Clients.For(fixture.Daemon))
        {
            await root.MakeDirectoryAsync($"/second-{vm:N}", Peers.Second.Uid);
        }

        var owner = await TestPeer.RunAsync(Peers.Second, fixture.Daemon.SocketDirectory, $"create /second-{vm:N}/ram 2097152 guest - {vm}");
        Peers.AssertResults(owner, "OK");

        var other = await TestPeer.RunAsync(Peers.Nobody, fixture.Daemon.SocketDirectory, $"register {vm} squatter");
        Peers.AssertResults(other, "PermissionDenied");
        Assert.Contains("it belongs to uid 65533", other[0].Detail, StringComparison.Ordinal);

        Peers.AssertResults(await TestPeer.RunAsync(Peers.Second, fixture.Daemon.SocketDirectory, $"register {vm} real"), "OK");
    }
}
