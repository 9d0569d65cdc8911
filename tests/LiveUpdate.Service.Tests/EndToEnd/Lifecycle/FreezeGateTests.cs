using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>
/// docs/design.md §7, the gate: while FREEZING or FROZEN every Files mutation and read-write Open answers FAILED_PRECONDITION
/// and changes nothing, reads go on; the one exception is a registered VMM that has not acked yet, which may create,
/// resize and open read-write the DEVICE_STATE files of its own VM while FREEZING. The VMMs here are registrations of
/// the test process itself (same uid), so the gate, not ownership, is what each refusal shows.
/// </summary>
[Collection(LifecycleCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class FreezeGateTests
{
    private const ulong MiB = Clients.MiB;
    private static readonly byte[] s_written = "written before the freeze"u8.ToArray();

    [Fact(Timeout = 60_000)]
    public async Task FreezingAndFrozen_RefuseEveryMutationAndReadWriteOpen_ChangeNothing_AndAllowReads()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        var vm = Guid.NewGuid();
        await SeedAsync(client, vm);
        using var session = await client.RegisterVmmAsync(vm, "vm-gate");

        var freeze = FreezeCall.Start(client, TimeSpan.FromSeconds(60));
        await freeze.WaitingForAcksAsync();
        Assert.NotNull(await session.WaitForAsync(VmmEventKind.PrepareForUpdate));
        Assert.Equal(LifecycleState.Freezing, (await client.GetStatusAsync()).State);
        await AssertRefusedAndUnchangedAsync(client, vm, "freezing", ownDeviceStateToo: false);

        var ack = await client.AckFreezeAsync(vm);
        Assert.Equal(0u, ack.Pending);
        var final = await freeze.FinishAsync();
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
        Assert.Equal(LifecycleState.Frozen, (await client.GetStatusAsync()).State);
        await AssertRefusedAndUnchangedAsync(client, vm, "frozen", ownDeviceStateToo: true);
        await StatusPolling.AssertFailedPreconditionAsync(() => client.AckFreezeAsync(vm), "AckFreeze when no freeze waits");

        await client.ThawAsync();
        Assert.NotNull(await session.WaitForAsync(VmmEventKind.Thawed));
        await client.RemoveAsync("/g/blob"); // the gate is open again
    }

    [Fact(Timeout = 60_000)]
    public async Task Freezing_UnackedVmmMayWriteItsOwnDeviceState_ButNoOtherFile_AndNothingOnceItAcked()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        Guid vmA = Guid.NewGuid(), vmB = Guid.NewGuid(), unregistered = Guid.NewGuid();
        await SeedAsync(client, vmA);
        using var sessionA = await client.RegisterVmmAsync(vmA, "vm-a");
        using var sessionB = await client.RegisterVmmAsync(vmB, "vm-b");
        var freeze = FreezeCall.Start(client, TimeSpan.FromSeconds(60));
        await freeze.WaitingForAcksAsync();

        // A saves its device state: create, resize, open read-write and write through the mapping.
        var created = await client.CreateFileAsync("/g/a-state", 64 * 1024, FileKind.DeviceState, vmA);
        Assert.Equal(FileKind.DeviceState, created.Kind);
        Assert.Equal(128UL * 1024, (await client.ResizeAsync("/g/a-state", 128 * 1024)).SizeBytes);
        Assert.Equal(256UL * 1024, (await client.ResizeAsync("/g/state", 256 * 1024)).SizeBytes); // an older state file of A
        using (var state = await client.MapAsync("/g/a-state", writable: true))
        {
            Pattern.Fill(state.Span, 0xA5A5, 0);
        }

        using (var check = await client.MapAsync("/g/a-state", writable: false))
        {
            Assert.Equal(-1, Pattern.FirstMismatch(check.ReadOnlySpan, 0xA5A5, 0));
        }

        // Nothing else: not another VM's state, not A's other kinds, not rename or remove of A's state.
        var before = await RegionTree.CaptureAsync(client.FilesClient);
        var refused = new (string What, Func<Task> Call)[]
        {
            ("CreateFile DEVICE_STATE of an unregistered VM", () => client.CreateFileAsync("/g/other-state", 4096, FileKind.DeviceState, unregistered)),
            ("CreateFile DEVICE_STATE without a VM", () => client.CreateFileAsync("/g/no-vm-state", 4096, FileKind.DeviceState)),
            ("CreateFile BLOB of A", () => client.CreateFileAsync("/g/a-blob", 4096, FileKind.Blob, vmA)),
            ("CreateFile GUEST_MEMORY of A", () => client.CreateFileAsync("/g/a-mem", 2 * MiB, FileKind.GuestMemory, vmA)),
            ("Resize of A's guest memory", () => client.ResizeAsync("/g/mem", 4 * MiB)),
            ("Open READ_WRITE of A's guest memory", () => client.OpenAsync("/g/mem", Access.ReadWrite)),
            ("Rename of A's device state", () => client.RenameAsync("/g/a-state", "/g/a-state-renamed")),
            ("Remove of A's device state", () => client.RemoveAsync("/g/a-state")),
        };
        foreach (var (what, call) in refused)
        {
            await StatusPolling.AssertFailedPreconditionAsync(call, what + " while A saves its state");
        }

        before.AssertUnchanged(await RegionTree.CaptureAsync(client.FilesClient), "refused calls while A saves its state");

        // A acks naming its state file; B has not acked, so the freeze still waits, but A may write nothing more.
        Assert.Equal(1u, (await client.AckFreezeAsync(vmA, "/g/a-state")).Pending);
        var status = await client.GetStatusAsync();
        Assert.Equal(LifecycleState.Freezing, status.State);
        var a = status.Vmms.Single(v => v.Name == "vm-a");
        Assert.True(a.Acked && a.DeviceStatePath == "/g/a-state", $"after A's ack: {a}");
        await StatusPolling.AssertFailedPreconditionAsync(() => client.CreateFileAsync("/g/a-state2", 4096, FileKind.DeviceState, vmA), "CreateFile of A's state after A acked");
        await StatusPolling.AssertFailedPreconditionAsync(() => client.ResizeAsync("/g/a-state", 64 * 1024), "Resize of A's state after A acked");
        await StatusPolling.AssertFailedPreconditionAsync(() => client.OpenAsync("/g/a-state", Access.ReadWrite), "Open READ_WRITE of A's state after A acked");

        // B, still saving, may; it may not ack with A's file, then acks with its own, which seals.
        await client.CreateFileAsync("/g/b-state", 4096, FileKind.DeviceState, vmB);
        var wrongFile = await Assert.ThrowsAsync<LiveUpdateException>(() => client.AckFreezeAsync(vmB, "/g/a-state"));
        Assert.Equal(LiveUpdateError.InvalidArgument, wrongFile.Error);
        Assert.Equal(0u, (await client.AckFreezeAsync(vmB, "/g/b-state")).Pending);
        var final = await freeze.FinishAsync();
        Assert.True(final.Phase == FreezePhase.Frozen && !final.Forced, $"the freeze ended {final.Phase}: {final.Message}");

        // Sealed: no exception any more.
        await StatusPolling.AssertFailedPreconditionAsync(() => client.ResizeAsync("/g/b-state", 8192), "Resize of B's state when FROZEN");
        await StatusPolling.AssertFailedPreconditionAsync(() => client.OpenAsync("/g/b-state", Access.ReadWrite), "Open READ_WRITE of B's state when FROZEN");
        var frozen = await client.StatAsync("/g/a-state");
        Assert.Equal(128UL * 1024, frozen.SizeBytes);
        using (var saved = await client.MapAsync("/g/a-state", writable: false))
        {
            Assert.Equal(-1, Pattern.FirstMismatch(saved.ReadOnlySpan, 0xA5A5, 0));
        }

        await StatusPolling.AssertCheckCleanAsync(client, "FROZEN after the device-state writes");
        await client.ThawAsync();
    }

    /// <summary>/g with a blob (holding <see cref="s_written"/>), guest memory and a device-state file of <paramref name="vm"/>, and an empty directory.</summary>
    private static async Task SeedAsync(LiveUpdateClient client, Guid vm)
    {
        await client.MakeDirectoryAsync("/g");
        await client.MakeDirectoryAsync("/g/empty");
        await client.CreateFileAsync("/g/blob", 4096, FileKind.Blob);
        await client.CreateFileAsync("/g/mem", 2 * MiB, FileKind.GuestMemory, vm);
        await client.CreateFileAsync("/g/state", 64 * 1024, FileKind.DeviceState, vm);
        using var blob = await client.MapAsync("/g/blob", writable: true);
        s_written.CopyTo(blob.GetSpan(0, s_written.Length));
    }

    /// <summary>
    /// Every kind of mutation is refused with FAILED_PRECONDITION naming the state, reads work, and the whole tree
    /// (GetRegion, every entry with its extents and generation) is what it was; Check finds the region clean.
    /// </summary>
    private static async Task AssertRefusedAndUnchangedAsync(LiveUpdateClient client, Guid vm, string state, bool ownDeviceStateToo)
    {
        var before = await RegionTree.CaptureAsync(client.FilesClient);
        var mutations = new List<(string What, Func<Task> Call)>
        {
            ("CreateFile BLOB", () => client.CreateFileAsync("/g/new", 4096, FileKind.Blob)),
            ("CreateFile GUEST_MEMORY", () => client.CreateFileAsync("/g/new-mem", 2 * MiB, FileKind.GuestMemory, vm)),
            ("CreateFile DEVICE_STATE of another VM", () => client.CreateFileAsync("/g/new-state", 4096, FileKind.DeviceState, Guid.NewGuid())),
            ("MakeDirectory", () => client.MakeDirectoryAsync("/g/dir")),
            ("Resize", () => client.ResizeAsync("/g/blob", 8192)),
            ("Resize of guest memory", () => client.ResizeAsync("/g/mem", 4 * MiB)),
            ("Rename", () => client.RenameAsync("/g/blob", "/g/renamed")),
            ("Rename of a directory", () => client.RenameAsync("/g/empty", "/g/moved")),
            ("Remove of a file", () => client.RemoveAsync("/g/blob")),
            ("Remove of a device-state file", () => client.RemoveAsync("/g/state")),
            ("Remove of an empty directory", () => client.RemoveAsync("/g/empty")),
            ("Open READ_WRITE", () => client.OpenAsync("/g/blob", Access.ReadWrite)),
            ("Open READ_WRITE of guest memory", () => client.OpenAsync("/g/mem", Access.ReadWrite)),
            ("CollectGarbage", () => client.CollectGarbageAsync(TimeSpan.Zero)),
            ("Check with repair", () => client.CheckAsync(repair: true)),
        };
        if (ownDeviceStateToo)
        {
            mutations.Add(("CreateFile DEVICE_STATE of the registered VM", () => client.CreateFileAsync("/g/own-state", 4096, FileKind.DeviceState, vm)));
            mutations.Add(("Resize of the registered VM's DEVICE_STATE", () => client.ResizeAsync("/g/state", 8192)));
            mutations.Add(("Open READ_WRITE of the registered VM's DEVICE_STATE", () => client.OpenAsync("/g/state", Access.ReadWrite)));
        }

        foreach (var (what, call) in mutations)
        {
            var refused = await StatusPolling.AssertFailedPreconditionAsync(call, $"{what} while {state}");
            Assert.True(refused.Message.Contains(state, StringComparison.OrdinalIgnoreCase), $"{what} while {state}: the refusal does not say why: {refused.Message}");
        }

        // Reads are fine: GetRegion, Stat, List, Open READ_ONLY (and the bytes written before the freeze).
        await client.GetRegionAsync();
        Assert.Equal(4096UL, (await client.StatAsync("/g/blob")).SizeBytes);
        Assert.Equal(["/g/blob", "/g/empty", "/g/mem", "/g/state"], (await client.ListAsync("/g")).Select(e => e.Path));
        using (var blob = await client.MapAsync("/g/blob", writable: false))
        {
            Assert.True(blob.GetReadOnlySpan(0, s_written.Length).SequenceEqual(s_written), $"while {state}: /g/blob does not hold what was written");
        }

        using (var memory = await client.OpenAsync("/g/mem", Access.ReadOnly))
        {
            Assert.Equal(Access.ReadOnly, memory.Access);
        }

        before.AssertUnchanged(await RegionTree.CaptureAsync(client.FilesClient), $"refused mutations while {state}");
        await StatusPolling.AssertCheckCleanAsync(client, $"while {state}");
    }
}
