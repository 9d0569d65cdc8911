using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Limits;

/// <summary>
/// Per-uid quotas (docs/design.md §13) with a real daemon and uid 65534 through setpriv: filling its byte quota and its
/// inode quota is refused with RESOURCE_EXHAUSTED naming the option, nothing changes, root still creates, and removing
/// gives the room back. Needs root (setpriv).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class QuotaTests
{
    private const string MiB4 = "4194304";

    [RootFact(Timeout = 180_000)]
    public async Task UidFillingItsQuotas_IsRefusedNamingTheOption_NothingChanges_RootStillCreates()
    {
        await using var daemon = await LimitedDaemon.StartAsync(64L << 20, "--quota-bytes", "8MiB", "--quota-inodes", "4");
        // Its home, made by root for it: its first inode.
        await daemon.Files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/n", OwnerUid = RunningDaemon.NobodyUid });

        var filled = await TestPeer.RunAsync(RunAs.Nobody, daemon.SocketDirectory,
            $"create /n/a {MiB4} blob", $"create /n/b {MiB4} blob", "create /n/s 0 state");
        Assert.All(filled, o => Assert.True(o.Result == "OK", $"{o.Result}: {o.Detail}"));
        var before = await RegionTree.CaptureAsync(daemon.Files);

        var refused = await TestPeer.RunAsync(RunAs.Nobody, daemon.SocketDirectory,
            "create /n/c 4096 blob", "resize /n/a 8388608", "write /n/s 8192", "mkdir /n/d", "usage", "usage 0");
        Assert.Equal(["ResourceExhausted", "ResourceExhausted", "ResourceExhausted", "ResourceExhausted", "OK", "PermissionDenied"],
            refused.Select(o => o.Result));
        Assert.Contains("quota: uid 65534 would use 8.0 MiB of its 8.0 MiB --quota-bytes", refused[0].Detail, StringComparison.Ordinal);
        Assert.Contains("quota: uid 65534 would use 12.0 MiB of its 8.0 MiB --quota-bytes", refused[1].Detail, StringComparison.Ordinal);
        Assert.Contains("--quota-bytes", refused[2].Detail, StringComparison.Ordinal);
        Assert.Contains("quota: uid 65534 would own 5 inodes of its 4 --quota-inodes", refused[3].Detail, StringComparison.Ordinal);
        Assert.Equal("uid=65534 bytes=8388608 inodes=4 quota_bytes=8388608 quota_inodes=4 tokens=0 max_tokens=1024", refused[4].Detail);
        before.AssertUnchanged(await RegionTree.CaptureAsync(daemon.Files), "requests past uid 65534's quotas");

        // Root has no quota; the uid's refusals cost root nothing.
        await daemon.Files.CreateFileAsync(new CreateFileRequest { Path = "/roots", SizeBytes = 16UL << 20, Kind = FileKind.Blob });
        await daemon.Files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/rootdir" });

        // Removing gives the room back, and root sees every uid against its quota.
        var freed = await TestPeer.RunAsync(RunAs.Nobody, daemon.SocketDirectory, "remove /n/b", "create /n/c 4096 blob", "usage");
        Assert.All(freed, o => Assert.True(o.Result == "OK", $"{o.Result}: {o.Detail}"));
        Assert.Equal("uid=65534 bytes=4198400 inodes=4 quota_bytes=8388608 quota_inodes=4 tokens=0 max_tokens=1024", freed[2].Detail);
        var all = await daemon.Files.GetUsageAsync(new GetUsageRequest());
        Assert.Equal([0u, RunningDaemon.NobodyUid], all.Uids.Select(u => u.Uid));
        Assert.Equal((16UL << 20, 0UL, 0UL), (all.Uids[0].Bytes, all.Uids[0].QuotaBytes, all.Uids[0].QuotaInodes));
    }

    [RootFact(Timeout = 180_000)]
    public async Task QuotaAsAShare_IsThatShareOfTheRegion_AndRootIsUnlimited()
    {
        await using var daemon = await LimitedDaemon.StartAsync(64L << 20, "--quota-bytes", "25%");
        var nobody = (await daemon.Files.GetUsageAsync(new GetUsageRequest { Uid = RunningDaemon.NobodyUid })).Uids.Single();
        Assert.Equal((16UL << 20, 100_000UL, "--quota-bytes"), (nobody.QuotaBytes, nobody.QuotaInodes, nobody.QuotaBytesSetting));
        var root = (await daemon.Files.GetUsageAsync(new GetUsageRequest { Uid = 0 })).Uids.Single();
        Assert.Equal((0UL, 0UL, 0U), (root.QuotaBytes, root.QuotaInodes, root.MaxTokens));
    }
}
