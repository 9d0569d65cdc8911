using System.Diagnostics;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// Who may do what (service README, "Who may do what"), seen from real processes of other uids: tests/LiveUpdate.TestPeer
/// (LiveUpdate.Client) and EndToEnd/peer.py started with setpriv as uid 65534. These need root to change uid ([RootFact]:
/// reported skipped with the reason otherwise). Tokens: single use is FilesApiTests.Open_TokenUsedTwice_SecondIsRejected,
/// a root token presented by uid 65534 is FilesApiTests.FdSocket_TokenPresentedByAnotherUid_IsRefusedAndConsumed, and
/// expiry is HandoutTokensTests.Redeem_AtThirtySeconds_IsExpiredAndConsumed (the daemon has no hook to shorten the 30 s,
/// so expiry is tested on HandoutTokens with a fake clock).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class OtherUidTests(RunningDaemon fixture) : IClassFixture<RunningDaemon>
{
    private readonly Files.FilesClient _files = fixture.Files;

    [RootFact(Timeout = 120_000)]
    public async Task OtherUid_OnAnotherOwnersFiles_ReadsMetadataButEveryChangeAndOpenIsPermissionDenied()
    {
        await _files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/roots" });
        await _files.CreateFileAsync(new CreateFileRequest { Path = "/roots/blob", SizeBytes = 4096, Kind = FileKind.Blob });
        await _files.CreateFileAsync(new CreateFileRequest { Path = "/roots/ram", SizeBytes = 2 * Clients.MiB, Kind = FileKind.GuestMemory });
        var before = await RegionTree.CaptureAsync(_files);

        var outcomes = await TestPeer.RunAsync(RunAs.Nobody, fixture.Daemon.SocketDirectory,
            "region",
            "stat /roots/blob",
            "list /roots",
            "open /roots/blob ro",
            "open /roots/ram rw",
            "map /roots/ram ro",
            "token /roots/blob ro",
            "resize /roots/blob 8192",
            "rename /roots/blob /roots/taken",
            "remove /roots/blob",
            "remove /roots",
            "create /roots/planted 4096 blob 0");

        Assert.Equal(
            ["OK", "OK", "OK", "PermissionDenied", "PermissionDenied", "PermissionDenied", "PermissionDenied", "PermissionDenied",
             "PermissionDenied", "PermissionDenied", "PermissionDenied", "PermissionDenied"],
            outcomes.Select(o => o.Result));
        Assert.Contains("owner=0", outcomes[1].Detail, StringComparison.Ordinal);
        Assert.Contains("uid 65534 may not open '/roots/blob'", outcomes[3].Detail, StringComparison.Ordinal);

        before.AssertUnchanged(await RegionTree.CaptureAsync(_files), "refused requests of uid 65534");
    }

    [RootFact(Timeout = 120_000)]
    public async Task OtherUid_ItsOwnFiles_AreCreatedOpenedMappedResizedRenamedAndRemoved()
    {
        var outcomes = await TestPeer.RunAsync(RunAs.Nobody, fixture.Daemon.SocketDirectory,
            "mkdir /nobodys",
            "create /nobodys/ram 2097152 guest",
            "map /nobodys/ram rw",
            "open /nobodys/ram ro",
            "resize /nobodys/ram 4194304",
            "rename /nobodys/ram /nobodys/ram2",
            "create /nobodys/kept 4096 state",
            "remove /nobodys/ram2");
        Assert.All(outcomes, o => Assert.True(o.Result == "OK", $"{o.Result}: {o.Detail}"));

        var kept = await _files.StatAsync(new StatRequest { Path = "/nobodys/kept" });
        Assert.Equal(RunningDaemon.NobodyUid, kept.OwnerUid);
        Assert.Equal(RunningDaemon.NobodyUid, (await _files.StatAsync(new StatRequest { Path = "/nobodys" })).OwnerUid);
        var missing = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await _files.StatAsync(new StatRequest { Path = "/nobodys/ram2" }));
        Assert.Equal(Grpc.Core.StatusCode.NotFound, missing.StatusCode);
    }

    [RootFact(Timeout = 120_000)]
    public async Task OtherUid_ContentsOfAnotherOwnersState_AreNeitherWrittenNorRead_ItsOwnAre()
    {
        await _files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/contents" });
        await _files.CreateFileAsync(new CreateFileRequest { Path = "/contents/roots", SizeBytes = 0, Kind = FileKind.DeviceState });
        await using (var client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = fixture.Daemon.SocketDirectory }))
        {
            await client.WriteContentsAsync("/contents/roots", new MemoryStream([1, 2, 3]));
        }

        var before = await RegionTree.CaptureAsync(_files);
        var refused = await TestPeer.RunAsync(RunAs.Nobody, fixture.Daemon.SocketDirectory, "write /contents/roots 5000", "read /contents/roots");
        Assert.Equal(["PermissionDenied", "PermissionDenied"], refused.Select(o => o.Result));
        Assert.Contains("uid 65534 may not write the contents of '/contents/roots'", refused[0].Detail, StringComparison.Ordinal);
        before.AssertUnchanged(await RegionTree.CaptureAsync(_files), "contents calls of uid 65534 on root's file");

        var own = await TestPeer.RunAsync(RunAs.Nobody, fixture.Daemon.SocketDirectory,
            "create /contents/nobodys 0 state", "write /contents/nobodys 1500000", "read /contents/nobodys");
        Assert.All(own, o => Assert.True(o.Result == "OK", $"{o.Result}: {o.Detail}"));
        var expected = new byte[1_500_000];
        for (var i = 0; i < expected.Length; i++)
        {
            expected[i] = (byte)((i * 7) + 3);
        }

        Assert.Equal($"bytes=1500000 xxhash64={System.IO.Hashing.XxHash64.HashToUInt64(expected):x16}", own[2].Detail);
    }

    [RootFact(Timeout = 120_000)]
    public async Task TokenIssuedToOtherUid_PresentedByRoot_IsRefusedAsUidMismatchAndConsumed()
    {
        // Root is not exempt at the fd socket: the token is bound to the uid that called Open.
        var outcomes = await TestPeer.RunAsync(RunAs.Nobody, fixture.Daemon.SocketDirectory,
            "create /nobodys-token 4096 blob",
            "token /nobodys-token rw");
        Assert.Equal(["OK", "OK"], outcomes.Select(o => o.Result));
        var parts = outcomes[1].Detail.Split(' ');
        var token = Convert.FromHexString(parts[0]);
        Assert.Equal(fixture.Daemon.FdSocketPath, parts[1]);

        using (var root = new FdSocketClient(fixture.Daemon.FdSocketPath))
        {
            var (status, text) = root.Ask(token);
            Assert.Equal(0x03, status);
            Assert.Contains("issued to uid 65534", text, StringComparison.Ordinal);
        }

        // The refusal consumed it: its rightful owner cannot use it either.
        var late = await PythonPeer.RunAsync(RunAs.Nobody, "fetch", fixture.Daemon.FdSocketPath, parts[0]);
        Assert.Equal(0x01, late.GetProperty("status").GetInt32());
        Assert.Equal(0, late.GetProperty("fds").GetInt32());
    }

    [RootFact(Timeout = 120_000)]
    public async Task UidOutsideTheSocketDirectorysGroup_CannotConnectToEitherSocket()
    {
        // The directory is 0750 root:nogroup (README: non-root clients must be in the socket directory's group).
        var outcomes = await TestPeer.RunAsync(RunAs.NobodyOutsideTheSocketGroup, fixture.Daemon.SocketDirectory, "region", "stat /");
        Assert.All(outcomes, o => Assert.True(o.Result == "PermissionDenied" && o.Detail.Contains("Permission denied", StringComparison.Ordinal),
            $"{o.Result}: {o.Detail}"));
        var fd = await PythonPeer.RunAsync(RunAs.NobodyOutsideTheSocketGroup, "connect", fixture.Daemon.FdSocketPath);
        Assert.Equal("EACCES", fd.GetProperty("connect").GetString());

        // The same uid in the group gets in.
        Assert.Equal("ok", (await PythonPeer.RunAsync(RunAs.Nobody, "connect", fixture.Daemon.FdSocketPath)).GetProperty("connect").GetString());
    }

    [RootFact(Timeout = 120_000)]
    public async Task AdminGroupMember_ManagesAndOpensAnotherUidsFile_WhileTheSameUidOutsideItCannot()
    {
        const uint Users = 100; // Debian's "users" group
        await using var daemon = DaemonProcess.Create();
        Directory.CreateDirectory(daemon.SocketDirectory);
        using (var chgrp = Process.Start("chgrp", [RunningDaemon.NobodyUid.ToString(System.Globalization.CultureInfo.InvariantCulture), daemon.SocketDirectory]))
        {
            await chgrp.WaitForExitAsync();
            Assert.Equal(0, chgrp.ExitCode);
        }

        await daemon.StartAsync("--admin-group", "users");
        using (var channel = daemon.Channel())
        {
            await new Files.FilesClient(channel).CreateFileAsync(new CreateFileRequest { Path = "/roots", SizeBytes = 2 * Clients.MiB, Kind = FileKind.GuestMemory });
        }

        var outsider = await TestPeer.RunAsync(RunAs.Nobody, daemon.SocketDirectory, "open /roots rw", "create /given 4096 blob 0");
        Assert.Equal(["PermissionDenied", "PermissionDenied"], outsider.Select(o => o.Result));

        var admin = await TestPeer.RunAsync(RunAs.Nobody with { Groups = [Users] }, daemon.SocketDirectory,
            "open /roots rw", "map /roots rw", "create /given 4096 blob 0", "resize /roots 4194304", "remove /roots");
        Assert.All(admin, o => Assert.True(o.Result == "OK", $"{o.Result}: {o.Detail}"));
        Assert.Contains("owner=0", admin[2].Detail, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact(Timeout = 60_000)]
    public async Task ReadOnlyHandout_MappedWritable_IsPermissionDenied_AndItsReadOnlyMappingRefusesWritableSpans()
    {
        await _files.CreateFileAsync(new CreateFileRequest { Path = "/read-only", SizeBytes = 2 * Clients.MiB, Kind = FileKind.GuestMemory });
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = fixture.Daemon.SocketDirectory, MaxAttempts = 1 });
        using var file = await client.OpenAsync("/read-only", Access.ReadOnly);
        Assert.Equal(Access.ReadOnly, file.Access);

        var refused = Assert.Throws<LiveUpdateException>(() => file.Map(writable: true));
        Assert.Equal(LiveUpdateError.PermissionDenied, refused.Error);
        Assert.Equal(13, refused.Errno); // EACCES from mmap(PROT_WRITE, MAP_SHARED) of an O_RDONLY descriptor

        using var mapped = file.Map(writable: false);
        Assert.Equal(0, mapped.GetReadOnlySpan(0, 1)[0]);
        Assert.Throws<InvalidOperationException>(() => mapped.GetSpan(0, 1));
    }
}
