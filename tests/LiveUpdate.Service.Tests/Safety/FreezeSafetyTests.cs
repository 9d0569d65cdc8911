using System.Globalization;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Safety;

/// <summary>
/// docs/design.md §13, freeze safety (issue 15, finding 7): a live process that received a guest-memory descriptor and is
/// neither the registered VMM of that VM nor a child of one makes a Freeze without force fail at once with
/// FAILED_PRECONDITION naming its pid, the file and the VM; once it has exited, or with force, the freeze proceeds. Each
/// test has a daemon of its own: the test process itself redeems descriptors and registers VMMs in some of them.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class FreezeSafetyTests
{
    private const ulong MemoryBytes = 4UL << 20;
    private static readonly TimeSpan s_freezeTimeout = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 120_000)]
    public async Task Freeze_UnregisteredHolderOfGuestMemory_IsRefusedNamingPidFileAndVm_AndProceedsOnceItExited()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        var (vm, memory) = await CreateGuestMemoryAsync(client);
        await using var holder = await HoldingPeer.StartAsync(client, memory);

        var refused = await Assert.ThrowsAsync<LiveUpdateException>(() => client.FreezeAsync(s_freezeTimeout));

        Assert.Equal(LiveUpdateError.FailedPrecondition, refused.Error);
        Assert.Contains($"pid {holder.Pid.ToString(CultureInfo.InvariantCulture)} ", refused.Message, StringComparison.Ordinal);
        Assert.Contains(memory, refused.Message, StringComparison.Ordinal);
        Assert.Contains(vm.ToString(), refused.Message, StringComparison.Ordinal);
        var status = await client.GetStatusAsync();
        Assert.Equal(LifecycleState.Active, status.State); // refused before anything changed
        var listed = Assert.Single(status.DescriptorHolders);
        Assert.Equal((uint)holder.Pid, listed.Pid);
        Assert.Equal(memory, listed.Path);
        Assert.Equal(vm.ToString(), listed.VmUuid);
        Assert.False(listed.Covered);

        await holder.KillAsync();
        Assert.Empty((await client.GetStatusAsync()).DescriptorHolders);
        var final = await client.FreezeAsync(s_freezeTimeout);
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
        await client.ThawAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task Freeze_RegisteredVmmHoldingItsOwnGuestMemory_IsNotBlocked()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        var (vm, memory) = await CreateGuestMemoryAsync(client);

        // This test process is the VMM: it registers and redeems its VM's memory itself (the same pid on both sockets).
        using var session = await client.RegisterVmmAsync(vm, "vm-own-memory");
        using var mapped = await client.MapAsync(memory, writable: true);

        var final = await FreezeAckingAsync(client, session, vm, force: false);
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
        await client.ThawAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task Freeze_ChildOfRegisteredVmmHoldingGuestMemory_IsNotBlocked_ButHoldsForAnotherVm()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        var (vm, memory) = await CreateGuestMemoryAsync(client);

        // The holder is a child of this test process, which is the registered VMM of the holder's VM.
        using var session = await client.RegisterVmmAsync(vm, "vm-with-child");
        await using var child = await HoldingPeer.StartAsync(client, memory);
        Assert.True(Assert.Single((await client.GetStatusAsync()).DescriptorHolders, h => h.Pid == (uint)child.Pid).Covered);
        var final = await FreezeAckingAsync(client, session, vm, force: false);
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
        await client.ThawAsync();
        Assert.NotNull(await session.WaitForAsync(VmmEventKind.Thawed));

        // Being some VMM's child is not enough: a child holding another VM's memory blocks.
        var (other, otherMemory) = await CreateGuestMemoryAsync(client);
        await using var stray = await HoldingPeer.StartAsync(client, otherMemory);
        var refused = await Assert.ThrowsAsync<LiveUpdateException>(() => client.FreezeAsync(s_freezeTimeout));
        Assert.Equal(LiveUpdateError.FailedPrecondition, refused.Error);
        Assert.Contains($"pid {stray.Pid.ToString(CultureInfo.InvariantCulture)} ", refused.Message, StringComparison.Ordinal);
        Assert.Contains(other.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain($"pid {child.Pid.ToString(CultureInfo.InvariantCulture)} ", refused.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Freeze_WithForce_ProceedsPastAnUnregisteredHolder_AndNamesIt()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        var (vm, memory) = await CreateGuestMemoryAsync(client);
        await using var holder = await HoldingPeer.StartAsync(client, memory);

        var progress = new List<FreezeProgress>();
        var final = await client.FreezeAsync(s_freezeTimeout, force: true, progress.Add);

        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
        var named = Assert.Single(progress, p => p.Message.Contains($"pid {holder.Pid.ToString(CultureInfo.InvariantCulture)} ", StringComparison.Ordinal));
        Assert.Contains(memory, named.Message, StringComparison.Ordinal);
        Assert.Contains(vm.ToString(), named.Message, StringComparison.Ordinal);
        await daemon.WaitForOutputAsync(new System.Text.RegularExpressions.Regex($"freeze by force although .*pid {holder.Pid} "), TimeSpan.FromSeconds(10));
        await client.ThawAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task Freeze_HolderOfANonGuestMemoryFile_IsNotBlocked()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        var vm = Guid.NewGuid();
        await client.MakeDirectoryAsync("/blobs");
        await client.CreateFileAsync("/blobs/state", 64 * 1024, FileKind.DeviceState, vm);
        await using var holder = await HoldingPeer.StartAsync(client, "/blobs/state");

        var final = await client.FreezeAsync(s_freezeTimeout);
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
        await client.ThawAsync();
    }

    private static async Task<(Guid Vm, string Path)> CreateGuestMemoryAsync(LiveUpdateClient client)
    {
        var vm = Guid.NewGuid();
        var directory = $"/safety-{vm:N}";
        await client.MakeDirectoryAsync(directory);
        var path = $"{directory}/memory";
        await client.CreateFileAsync(path, MemoryBytes, FileKind.GuestMemory, vm);
        return (vm, path);
    }

    /// <summary>Runs a freeze whose one VMM, <paramref name="session"/>, acks as soon as it is asked to.</summary>
    private static async Task<FreezeProgress> FreezeAckingAsync(LiveUpdateClient client, VmmSession session, Guid vm, bool force)
    {
        var freeze = client.FreezeAsync(s_freezeTimeout, force);
        var prepare = session.WaitForAsync(VmmEventKind.PrepareForUpdate);
        if (await Task.WhenAny(freeze, prepare) == prepare)
        {
            Assert.NotNull(await prepare);
            await client.AckFreezeAsync(vm);
        }

        return await freeze;
    }
}
