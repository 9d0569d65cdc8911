using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Isolation;

/// <summary>
/// Issue 15, finding 3: uid 65534 created a DEVICE_STATE file tagged with VM B's UUID; B's owner's Reclaim then failed
/// and an administrator reclaiming B received the attacker's file. Now only a VM's owner (and administrators) tag files
/// with it, directories have owners, and <c>/vm/{uuid}</c> is the VM owner's (docs/design.md §13).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class PlantingTests(RunningDaemon fixture) : IClassFixture<RunningDaemon>
{
    [RootFact(Timeout = 120_000)]
    public async Task OtherUid_PlantsNothingInAVmOrItsDirectory_AndTheOwnersReclaimGetsExactlyItsFiles()
    {
        var b = Guid.NewGuid();
        await using var root = Clients.For(fixture.Daemon);
        await Peers.EnsureVmRootAsync(root);
        await root.MakeDirectoryAsync($"/vm/{b}");
        await root.CreateFileAsync($"/vm/{b}/ram", 2 * Clients.MiB, FileKind.GuestMemory, b);
        await root.CreateFileAsync($"/vm/{b}/state", 0, FileKind.DeviceState, b);
        await root.MakeDirectoryAsync("/nobodys", RunningDaemon.NobodyUid);
        var before = await RegionTree.CaptureAsync(fixture.Files);

        var planted = await TestPeer.RunAsync(Peers.Nobody, fixture.Daemon.SocketDirectory,
            $"create /vm/{b}/zz-state 0 state",
            $"create /vm/{b}/zz-state 0 state - {b}",
            $"create /nobodys/zz-state 0 state - {b}",
            $"mkdir /vm/{b}",
            "create /nobodys/mine 0 state",
            $"rename /nobodys/mine /vm/{b}/zz-state",
            $"remove /vm/{b}/state",
            $"reclaim {b}");

        Peers.AssertResults(planted, "PermissionDenied", "PermissionDenied", "PermissionDenied", "PermissionDenied", "OK",
            "PermissionDenied", "PermissionDenied", "PermissionDenied");
        Assert.Contains($"the directory '/vm/{b}' belongs to uid 0", planted[0].Detail, StringComparison.Ordinal);
        Assert.Contains($"may not create files of VM {b}: it belongs to uid 0", planted[1].Detail, StringComparison.Ordinal);
        Assert.Contains($"may not create files of VM {b}: it belongs to uid 0", planted[2].Detail, StringComparison.Ordinal);
        Assert.Contains($"may not reclaim VM {b}: it belongs to uid 0", planted[7].Detail, StringComparison.Ordinal);
        await root.RemoveAsync("/nobodys/mine");
        before.AssertUnchanged(await RegionTree.CaptureAsync(fixture.Files), "uid 65534's planting attempts");

        var reclaimed = await root.ReclaimAsync(b);
        Assert.Equal([$"/vm/{b}/ram", $"/vm/{b}/state"], reclaimed.Files.Select(f => f.File.Path).Order(StringComparer.Ordinal));
        Assert.All(reclaimed.Files, f => Assert.Equal(0u, f.File.OwnerUid));
    }

    [RootFact(Timeout = 120_000)]
    public async Task VmOfAnUnprivilegedOwner_TakesNoPlantedFile_AndItsOwnersReclaimMeetsOnlyTheSharedBackendRule()
    {
        var c = Guid.NewGuid();
        await using (var root = Clients.For(fixture.Daemon))
        {
            await Peers.EnsureVmRootAsync(root);
            await root.MakeDirectoryAsync($"/nobodys-{c:N}", RunningDaemon.NobodyUid);
        }

        // The owner makes its VM's directory under /vm (root's) itself, then the VM's first file.
        var owner = await TestPeer.RunAsync(Peers.Second, fixture.Daemon.SocketDirectory,
            "mkdir /vm/" + c, $"create /vm/{c}/ram 2097152 guest - {c}");
        Peers.AssertResults(owner, "OK", "OK");

        var planted = await TestPeer.RunAsync(Peers.Nobody, fixture.Daemon.SocketDirectory,
            $"create /vm/{c}/x 4096 blob",
            $"create /nobodys-{c:N}/x 4096 blob - {c}",
            $"reclaim {c}");
        Peers.AssertResults(planted, "PermissionDenied", "PermissionDenied", "PermissionDenied");
        Assert.Contains($"the directory '/vm/{c}' belongs to uid 65533", planted[0].Detail, StringComparison.Ordinal);

        // The owner passes the ownership rule; on the file backend its descriptors would reach the whole region.
        var reclaim = await TestPeer.RunAsync(Peers.Second, fixture.Daemon.SocketDirectory, $"reclaim {c}");
        Peers.AssertResults(reclaim, "PermissionDenied");
        Assert.Contains("namespaces backend", reclaim[0].Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("belongs to", reclaim[0].Detail, StringComparison.Ordinal);
    }
}
