using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>
/// WriteContents under the freeze gate (docs/design.md §7): while FREEZING only the VM's registered VMM that has not acked yet may
/// write its VM's DEVICE_STATE files; FROZEN refuses every write; reads go on in every state. And AckFreeze with a
/// failure (<see cref="LiveUpdateClient.FailFreezeAsync"/>) aborts the freeze at once: back to ACTIVE, THAWED to every
/// VMM, the final message naming the VM and the reason. The VMMs are registrations of the test process (same uid).
/// </summary>
[Collection(LifecycleCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ContentsFreezeTests
{
    [Fact(Timeout = 90_000)]
    public async Task Freezing_TheUnackedVmmWritesItsState_OthersAndFrozenAreRefused_ReadsAlwaysWork()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 256L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        Guid vmA = Guid.NewGuid(), vmB = Guid.NewGuid(), unregistered = Guid.NewGuid();
        await client.CreateFileAsync("/a-state", 0, FileKind.DeviceState, vmA);
        await client.CreateFileAsync("/b-state", 0, FileKind.DeviceState, vmB);
        await client.CreateFileAsync("/other-state", 0, FileKind.DeviceState, unregistered);
        await client.CreateFileAsync("/a-blob", 0, FileKind.Blob, vmA);
        var old = ContentsTests.Pattern(1000, seed: 1);
        foreach (var path in new[] { "/a-state", "/b-state", "/other-state", "/a-blob" })
        {
            await client.WriteContentsAsync(path, new MemoryStream(old));
        }

        using var sessionA = await client.RegisterVmmAsync(vmA, "vm-a");
        using var sessionB = await client.RegisterVmmAsync(vmB, "vm-b");
        var freeze = FreezeCall.Start(client, TimeSpan.FromSeconds(60));
        await freeze.WaitingForAcksAsync();
        Assert.NotNull(await sessionA.WaitForAsync(VmmEventKind.PrepareForUpdate));

        // A saves its state through the daemon, as liveupdate-qemu does.
        var saved = ContentsTests.Pattern(3 << 20, seed: 2);
        Assert.Equal((ulong)saved.Length, (await client.WriteContentsAsync("/a-state", new MemoryStream(saved))).SizeBytes);

        foreach (var (path, what) in new[] { ("/other-state", "a DEVICE_STATE file of an unregistered VM"), ("/a-blob", "a BLOB of A") })
        {
            await StatusPolling.AssertFailedPreconditionAsync(() => client.WriteContentsAsync(path, new MemoryStream([9])), $"WriteContents of {what} while FREEZING");
        }

        Assert.Equal(1u, (await client.AckFreezeAsync(vmA, "/a-state")).Pending);
        await StatusPolling.AssertFailedPreconditionAsync(() => client.WriteContentsAsync("/a-state", new MemoryStream([9])), "WriteContents of A's state after A acked");
        Assert.Equal(old, await ReadAsync(client, "/a-blob"));

        await client.WriteContentsAsync("/b-state", new MemoryStream(saved));
        Assert.Equal(0u, (await client.AckFreezeAsync(vmB, "/b-state")).Pending);
        var final = await freeze.FinishAsync();
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");

        foreach (var path in new[] { "/a-state", "/b-state", "/a-blob" })
        {
            await StatusPolling.AssertFailedPreconditionAsync(() => client.WriteContentsAsync(path, new MemoryStream([9])), $"WriteContents of {path} when FROZEN");
        }

        Assert.Equal(saved, await ReadAsync(client, "/a-state"));
        Assert.Equal(saved, await ReadAsync(client, "/b-state"));
        Assert.Equal(old, await ReadAsync(client, "/other-state"));
        await client.ThawAsync();
    }

    [Fact(Timeout = 90_000)]
    public async Task FailFreeze_AbortsTheFreezeAtOnce_NamingTheVmAndTheReason_AndThawsEveryVmm()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        Guid vmA = Guid.NewGuid(), vmB = Guid.NewGuid();
        using var sessionA = await client.RegisterVmmAsync(vmA, "vm-a");
        using var sessionB = await client.RegisterVmmAsync(vmB, "vm-b");
        var freeze = FreezeCall.Start(client, TimeSpan.FromMinutes(10));
        await freeze.WaitingForAcksAsync();
        Assert.NotNull(await sessionB.WaitForAsync(VmmEventKind.PrepareForUpdate));
        await client.AckFreezeAsync(vmA);

        var bad = await Assert.ThrowsAsync<LiveUpdateException>(() => client.FailFreezeAsync(vmB, "line one\nline two"));
        Assert.Equal(LiveUpdateError.InvalidArgument, bad.Error);
        Assert.Equal(LifecycleState.Freezing, (await client.GetStatusAsync()).State);

        await client.FailFreezeAsync(vmB, "migrate to file failed: No space left on device");

        // FailFreeze returns once the freeze has ended: ACTIVE already, long before the ten-minute timeout.
        Assert.Equal(LifecycleState.Active, (await client.GetStatusAsync()).State);
        var final = await freeze.FinishAsync();
        Assert.Equal(FreezePhase.Aborted, final.Phase);
        Assert.Contains(vmB.ToString(), final.Message, StringComparison.Ordinal);
        Assert.Contains("vm-b", final.Message, StringComparison.Ordinal);
        Assert.Contains("migrate to file failed: No space left on device", final.Message, StringComparison.Ordinal);
        Assert.NotNull(await sessionA.WaitForAsync(VmmEventKind.Thawed));
        Assert.NotNull(await sessionB.WaitForAsync(VmmEventKind.Thawed));

        // Nothing is waiting for acks any more, and the gate is open.
        await StatusPolling.AssertFailedPreconditionAsync(() => client.FailFreezeAsync(vmB, "again"), "FailFreeze when no freeze runs");
        await client.CreateFileAsync("/after", 4096, FileKind.Blob);
    }

    private static async Task<byte[]> ReadAsync(LiveUpdateClient client, string path)
    {
        using var copy = new MemoryStream();
        await client.ReadContentsAsync(path, copy);
        return copy.ToArray();
    }
}
