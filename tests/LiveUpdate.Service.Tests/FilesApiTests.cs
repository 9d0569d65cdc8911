using Grpc.Core;
using Grpc.Health.V1;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests;

/// <summary>The Files API of a real daemon over its Unix socket.</summary>
[Trait("Category", "EndToEnd")]
public sealed class FilesApiTests(RunningDaemon fixture) : IClassFixture<RunningDaemon>
{
    private const long MiB = 1L << 20;
    private static readonly TimeSpan s_tokenLifetime = TimeSpan.FromSeconds(30); // a hand-out token's, by the protocol
    private readonly Files.FilesClient _files = fixture.Files;

    [Fact(Timeout = 60_000)]
    public async Task GetRegion_AfterStart_DescribesTheFileRegion()
    {
        var region = await _files.GetRegionAsync(new GetRegionRequest());
        Assert.Equal(Backend.File, region.Backend);
        Assert.Equal(fixture.Daemon.RegionPath, region.Path);
        Assert.Equal((ulong)(64 * MiB), region.SizeBytes);
        Assert.Equal(region.SizeBytes, region.UsedBytes + region.FreeBytes);
        Assert.True(region.PhysicalBaseSimulated);
        Assert.Equal(0x1_0000_0000UL, region.PhysicalBase);
        Assert.Equal(LifecycleState.Active, region.State);
        Assert.Equal(File.ReadAllText(fixture.Daemon.BootIdPath).Trim(), region.BootId);
        Assert.Equal(4096u, region.SmallGranuleBytes);
        Assert.Equal((ulong)(2 * MiB), region.LargeGranuleBytes);
    }

    [Fact(Timeout = 60_000)]
    public async Task Health_AfterAttach_IsServing()
    {
        var health = new Health.HealthClient(fixture.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new HealthCheckRequest { Service = "liveupdate.v1.Files" })).Status);
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateFile_ThenStatListResizeRenameRemove_RoundTrips()
    {
        var vm = Guid.NewGuid();
        var directory = await _files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/roundtrip" });
        Assert.Equal(0x1EDu, directory.Mode); // unset mode: 0755 for a directory
        var created = await _files.CreateFileAsync(new CreateFileRequest
        {
            Path = "/roundtrip/ram", SizeBytes = (ulong)(4 * MiB), Kind = FileKind.GuestMemory, VmUuid = vm.ToString("D").ToUpperInvariant(),
        });
        Assert.Equal(FileKind.GuestMemory, created.Kind);
        Assert.Equal(vm.ToString("D"), created.VmUuid);
        Assert.Equal(RunningDaemon.CurrentUid, created.OwnerUid); // unset owner_uid: the caller
        Assert.Equal(0x180u, created.Mode);
        Assert.Equal((ulong)(4 * MiB), (ulong)created.Extents.Sum(e => (long)e.Length));

        var stat = await _files.StatAsync(new StatRequest { Path = "/roundtrip/ram" });
        Assert.Equal(created.Inode, stat.Inode);
        var list = await _files.ListAsync(new ListRequest { Path = "/roundtrip" });
        Assert.Equal("/roundtrip/ram", Assert.Single(list.Entries).Path);

        var resized = await _files.ResizeAsync(new ResizeRequest { Path = "/roundtrip/ram", SizeBytes = (ulong)(8 * MiB) });
        Assert.Equal((ulong)(8 * MiB), resized.SizeBytes);
        Assert.True(resized.Generation > created.Generation);

        var renamed = await _files.RenameAsync(new RenameRequest { Path = "/roundtrip/ram", NewPath = "/roundtrip/ram2" });
        Assert.Equal("/roundtrip/ram2", renamed.Path);

        var notEmpty = await Assert.ThrowsAsync<RpcException>(async () => await _files.RemoveAsync(new RemoveRequest { Path = "/roundtrip" }));
        Assert.Equal(StatusCode.FailedPrecondition, notEmpty.StatusCode);
        await _files.RemoveAsync(new RemoveRequest { Path = "/roundtrip/ram2" });
        await _files.RemoveAsync(new RemoveRequest { Path = "/roundtrip" });
        var gone = await Assert.ThrowsAsync<RpcException>(async () => await _files.StatAsync(new StatRequest { Path = "/roundtrip" }));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    public static TheoryData<string, CreateFileRequest> InvalidCreates => new()
    {
        { "kind unspecified", new CreateFileRequest { Path = "/bad", SizeBytes = 4096 } },
        { "kind IOMMU_PGTABLE", new CreateFileRequest { Path = "/bad", SizeBytes = 4096, Kind = FileKind.IommuPgtable } },
        { "kind DIRECTORY", new CreateFileRequest { Path = "/bad", SizeBytes = 4096, Kind = FileKind.Directory } },
        { "unknown kind", new CreateFileRequest { Path = "/bad", SizeBytes = 4096, Kind = (FileKind)99 } },
        { "malformed uuid", new CreateFileRequest { Path = "/bad", SizeBytes = 4096, Kind = FileKind.Blob, VmUuid = "not-a-uuid" } },
        { "braced uuid", new CreateFileRequest { Path = "/bad", SizeBytes = 4096, Kind = FileKind.Blob, VmUuid = "{" + Guid.NewGuid() + "}" } },
        { "size over long.MaxValue", new CreateFileRequest { Path = "/bad", SizeBytes = (ulong)long.MaxValue + 1, Kind = FileKind.Blob } },
        { "guest memory not 2 MiB", new CreateFileRequest { Path = "/bad", SizeBytes = 3_000_000, Kind = FileKind.GuestMemory } },
        { "mode with setuid", new CreateFileRequest { Path = "/bad", SizeBytes = 4096, Kind = FileKind.Blob, Mode = 0x800 } },
        { "owner (uid_t)-1", new CreateFileRequest { Path = "/bad", SizeBytes = 4096, Kind = FileKind.Blob, OwnerUid = uint.MaxValue } },
        { "empty path", new CreateFileRequest { Path = "", SizeBytes = 4096, Kind = FileKind.Blob } },
        { "relative path", new CreateFileRequest { Path = "bad", SizeBytes = 4096, Kind = FileKind.Blob } },
        { "dot-dot", new CreateFileRequest { Path = "/x/../bad", SizeBytes = 4096, Kind = FileKind.Blob } },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(InvalidCreates))]
    public async Task CreateFile_InvalidRequest_IsInvalidArgumentAndChangesNothing(string what, CreateFileRequest request)
    {
        var before = await RegionTree.CaptureAsync(_files);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _files.CreateFileAsync(request));
        Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{what}: {error.Status}");
        Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail));
        before.AssertUnchanged(await RegionTree.CaptureAsync(_files), what); // the whole tree and GetRegion
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateFile_LargerThanTheRegion_IsResourceExhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _files.CreateFileAsync(
            new CreateFileRequest { Path = "/huge", SizeBytes = (ulong)(1024 * MiB), Kind = FileKind.GuestMemory }));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateFile_ExistingPath_IsAlreadyExists()
    {
        await _files.CreateFileAsync(new CreateFileRequest { Path = "/exists", SizeBytes = 4096, Kind = FileKind.Blob });
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _files.CreateFileAsync(
            new CreateFileRequest { Path = "/exists", SizeBytes = 4096, Kind = FileKind.Blob }));
        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Open_Directory_IsFailedPrecondition_AndUnspecifiedAccessIsInvalid()
    {
        await _files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/opendir" });
        var directory = await Assert.ThrowsAsync<RpcException>(async () => await _files.OpenAsync(new OpenRequest { Path = "/opendir", Access = Access.ReadOnly }));
        Assert.Equal(StatusCode.FailedPrecondition, directory.StatusCode);
        var access = await Assert.ThrowsAsync<RpcException>(async () => await _files.OpenAsync(new OpenRequest { Path = "/opendir" }));
        Assert.Equal(StatusCode.InvalidArgument, access.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Open_ReturnsTokenSocketExtentsAndExpiry()
    {
        var file = await _files.CreateFileAsync(new CreateFileRequest { Path = "/open-facts", SizeBytes = (ulong)(2 * MiB), Kind = FileKind.GuestMemory });
        var before = DateTimeOffset.UtcNow;
        var open = await _files.OpenAsync(new OpenRequest { Path = "/open-facts", Access = Access.ReadWrite });
        var after = DateTimeOffset.UtcNow;
        Assert.Equal(16, open.Token.Length);
        Assert.Equal(fixture.Daemon.FdSocketPath, open.FdSocketPath);
        Assert.Equal(fixture.Daemon.RegionPath, open.RegionPath);
        Assert.Equal(file.Extents, open.Extents);
        Assert.Equal(Access.ReadWrite, open.Access);
        // Issued during the call, valid for 30 s: bounds that hold however long the call took (the millisecond absorbs
        // the rounding of the two clocks' readings).
        Assert.InRange(open.ExpiresAt.ToDateTimeOffset(), before + s_tokenLifetime - TimeSpan.FromMilliseconds(1), after + s_tokenLifetime + TimeSpan.FromMilliseconds(1));
    }

    [Fact(Timeout = 60_000)]
    public async Task Open_PythonPeer_ReceivesDescriptorsAndSharesTheFilesBytes()
    {
        var file = await _files.CreateFileAsync(new CreateFileRequest { Path = "/shared", SizeBytes = (ulong)(2 * MiB), Kind = FileKind.GuestMemory });
        var write = await _files.OpenAsync(new OpenRequest { Path = "/shared", Access = Access.ReadWrite });
        var read = await _files.OpenAsync(new OpenRequest { Path = "/shared", Access = Access.ReadOnly });
        const string script = """
            import mmap, os, socket, sys, fcntl
            path, offset, length = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            def fetch(token):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(path); s.send(bytes.fromhex(token))
                msg, fds, flags, _ = socket.recv_fds(s, 4096, 1); s.close()
                assert msg == b'\x00' and len(fds) == 1, (msg, fds)
                return fds[0]
            rw, ro = fetch(sys.argv[4]), fetch(sys.argv[5])
            acc = lambda fd: fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
            m = mmap.mmap(rw, length, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=offset)
            zero = m[:4096] == bytes(4096)
            m[:11] = b'hello world'
            r = mmap.mmap(ro, length, mmap.MAP_SHARED, mmap.PROT_READ, offset=offset)
            try:
                mmap.mmap(ro, length, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=offset); writable = True
            except PermissionError:
                writable = False
            print(acc(rw) == os.O_RDWR, acc(ro) == os.O_RDONLY, zero, r[:11].decode(), writable)
            """;
        var extent = Assert.Single(file.Extents);
        var output = await Python.RunAsync(script, write.FdSocketPath, extent.RegionOffset.ToString(System.Globalization.CultureInfo.InvariantCulture),
            extent.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Convert.ToHexString(write.Token.Span), Convert.ToHexString(read.Token.Span));
        Assert.Equal("True True True hello world False", output);
    }

    [Fact(Timeout = 60_000)]
    public async Task Open_TokenUsedTwice_SecondIsRejected()
    {
        await _files.CreateFileAsync(new CreateFileRequest { Path = "/twice", SizeBytes = 4096, Kind = FileKind.Blob });
        var open = await _files.OpenAsync(new OpenRequest { Path = "/twice", Access = Access.ReadOnly });
        using var client = new FdSocketClient(open.FdSocketPath);
        Assert.Equal(0x00, client.Ask(open.Token.Span).Status);
        var (status, text) = client.Ask(open.Token.Span);
        Assert.Equal(0x01, status);
        Assert.Contains("token", text, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task FdSocket_MalformedAndRandomRequests_AreAnsweredAndTheDaemonKeepsServing()
    {
        using var client = new FdSocketClient(fixture.Daemon.FdSocketPath);
        Assert.Equal(0x01, client.Ask(Guid.NewGuid().ToByteArray()).Status);
        Assert.Equal(0x04, client.Ask(new byte[5]).Status);
        Assert.Equal(0x04, client.Ask(new byte[17]).Status);
        Assert.Equal(0x04, client.Ask(new byte[1000]).Status);

        await _files.CreateFileAsync(new CreateFileRequest { Path = "/after-garbage", SizeBytes = 4096, Kind = FileKind.Blob });
        var open = await _files.OpenAsync(new OpenRequest { Path = "/after-garbage", Access = Access.ReadOnly });
        Assert.Equal(0x00, client.Ask(open.Token.Span).Status);
    }

    [Fact(Timeout = 60_000)]
    public async Task FdSocket_SilentClients_DoNotBlockOthers()
    {
        var silent = Enumerable.Range(0, 20).Select(_ => new FdSocketClient(fixture.Daemon.FdSocketPath)).ToList();
        try
        {
            await _files.CreateFileAsync(new CreateFileRequest { Path = "/not-blocked", SizeBytes = 4096, Kind = FileKind.Blob });
            var open = await _files.OpenAsync(new OpenRequest { Path = "/not-blocked", Access = Access.ReadOnly });
            using var client = new FdSocketClient(fixture.Daemon.FdSocketPath);
            Assert.Equal(0x00, client.Ask(open.Token.Span).Status);
        }
        finally
        {
            silent.ForEach(s => s.Dispose());
        }
    }

    [RootFact(Timeout = 60_000)]
    public async Task FdSocket_TokenPresentedByAnotherUid_IsRefusedAndConsumed()
    {
        await _files.CreateFileAsync(new CreateFileRequest { Path = "/mismatch", SizeBytes = 4096, Kind = FileKind.Blob });
        var open = await _files.OpenAsync(new OpenRequest { Path = "/mismatch", Access = Access.ReadOnly });
        const string script = """
            import os, socket, sys
            os.setgroups([65534]); os.setgid(65534); os.setuid(65534)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1]); s.send(bytes.fromhex(sys.argv[2]))
            msg, fds, _, _ = socket.recv_fds(s, 4096, 1)
            print(msg[0], len(fds))
            """;
        Assert.Equal("3 0", await Python.RunAsync(script, open.FdSocketPath, Convert.ToHexString(open.Token.Span)));
        using var client = new FdSocketClient(open.FdSocketPath);
        Assert.Equal(0x01, client.Ask(open.Token.Span).Status);
    }
}
