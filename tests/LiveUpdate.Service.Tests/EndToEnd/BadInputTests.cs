using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.Dma;
using DmaClient = LiveUpdate.Protocol.V1.Dma.DmaClient;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// docs/design.md §11 bad input: every Files and Dma RPC (and every Lifecycle RPC that takes input) with malformed, hostile and boundary values (names, paths, sizes, enum values,
/// UUIDs, undecodable request bytes), and garbage on the descriptor socket. Each answers one exact status code, the
/// daemon keeps serving, and the whole tree and GetRegion (state and generation included) are unchanged (<see cref="RegionTree"/>), and so are every IOMMU domain and mapping (<see cref="DmaSnapshot"/>); Dma refusals on the engine's rules (overlap, alignment, width, pinning) are also Dma/DmaApiTests. CreateFile's kind, UUID, mode, owner and basic path cases are FilesApiTests.InvalidCreates; the fd socket's
/// random 16 bytes and 5, 17 and 1000-byte messages are FilesApiTests.FdSocket_MalformedAndRandomRequests_….
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class BadInputTests(SeededDaemon fixture) : IClassFixture<SeededDaemon>
{
    private const ulong TiB = 1UL << 40;

    private static readonly string s_longName = new('n', 256);
    private static readonly string s_longUtf8Name = new('é', 128); // 128 characters, 256 UTF-8 bytes
    private static readonly string s_longPath = "/" + string.Join('/', Enumerable.Repeat(new string('p', 200), 21)); // 4221 bytes of valid names
    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(bytes => bytes, bytes => bytes);

    /// <summary>A protobuf field with wire type 7, which does not exist.</summary>
    private static readonly byte[] s_undecodable = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F];

    /// <summary>Field 1 (path) announcing 100 bytes and carrying 2.</summary>
    private static readonly byte[] s_truncated = [0x0A, 0x64, 0x2F, 0x61];

    /// <summary>Field 1 (path): "/" and then 0xC3 0x28, which is not UTF-8.</summary>
    private static readonly byte[] s_notUtf8 = [0x0A, 0x03, 0x2F, 0xC3, 0x28];

    private static readonly Dictionary<string, BadCall> s_calls = BuildCalls().ToDictionary(c => c.Name, StringComparer.Ordinal);

    public static TheoryData<string> Calls => new(s_calls.Keys);

    public static TheoryData<string, int, byte> FdSocketGarbage => new()
    {
        { "one byte", 1, 0x04 },
        { "a token short by one", 15, 0x04 },
        { "sixteen zero bytes", -16, 0x01 },
        { "as long as the daemon's receive buffer", 64, 0x04 },
        { "one byte past the receive buffer (truncated)", 65, 0x04 },
        { "a page", 4096, 0x04 },
        { "64 KiB", 65536, 0x04 },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Calls))]
    public async Task Rpc_BadInput_AnswersItsStatusCodeChangesNothingAndTheDaemonKeepsServing(string name)
    {
        var call = s_calls[name];
        var before = await CaptureAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.Invoke(fixture.Files, fixture.RawInvoker));
        Assert.True(error.StatusCode == call.Expected, $"{name}: expected {call.Expected}, got {error.Status}");
        Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail), $"{name}: no error text");

        await AssertStillServingAndUnchangedAsync(before, name);
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(FdSocketGarbage))]
    public async Task FdSocket_Garbage_IsRefusedWithItsStatusAndTheDaemonKeepsHandingOut(string what, int length, byte expected)
    {
        var before = await CaptureAsync();
        var message = length < 0 ? new byte[-length] : RandomNumberGenerator.GetBytes(length);
        using var client = new FdSocketClient(fixture.Daemon.FdSocketPath);
        var (status, text) = client.Ask(message);
        Assert.True(status == expected, $"{what}: expected status {expected}, got {status} ({text})");
        Assert.False(string.IsNullOrWhiteSpace(text));

        // The same connection still redeems a good token.
        var open = await fixture.Files.OpenAsync(new OpenRequest { Path = "/seed/blob", Access = Access.ReadOnly });
        Assert.Equal(0x00, client.Ask(open.Token.Span).Status);
        await AssertStillServingAndUnchangedAsync(before, what);
    }

    [Fact(Timeout = 60_000)]
    public async Task FdSocket_EmptyMessage_ClosesThatConnectionOnly()
    {
        // SOCK_SEQPACKET: an empty record reads as end of file, so the daemon hangs up (the protocol has no empty message).
        using var client = new FdSocketClient(fixture.Daemon.FdSocketPath);
        client.Socket.Send(ReadOnlySpan<byte>.Empty);
        Assert.Equal(0, client.Socket.Receive(new byte[64]));

        using var other = new FdSocketClient(fixture.Daemon.FdSocketPath);
        var open = await fixture.Files.OpenAsync(new OpenRequest { Path = "/seed/blob", Access = Access.ReadOnly });
        Assert.Equal(0x00, other.Ask(open.Token.Span).Status);
    }

    [Fact(Timeout = 60_000)]
    public async Task FdSocket_MessagesCarryingDescriptors_AreRefusedConsumeTheTokenAndTheirDescriptorsAreNotKept()
    {
        var before = await CaptureAsync();
        var daemonFds = DaemonDescriptors.Count(fixture.Daemon);

        // A good token sent with a descriptor attached is still a malformed request: the daemon reads no descriptors.
        var open = await fixture.Files.OpenAsync(new OpenRequest { Path = "/seed/blob", Access = Access.ReadOnly });
        var withToken = await PythonPeer.RunAsync(null, "send", fixture.Daemon.FdSocketPath, Convert.ToHexString(open.Token.Span), "--with-fd");
        var withGarbage = await PythonPeer.RunAsync(null, "send", fixture.Daemon.FdSocketPath, "00", "--with-fd");
        foreach (var reply in new[] { withToken, withGarbage })
        {
            Assert.Equal(0x04, reply.GetProperty("status").GetInt32());
            Assert.Equal(0, reply.GetProperty("fds").GetInt32());
            Assert.Contains("descriptors", reply.GetProperty("text").GetString(), StringComparison.Ordinal);
        }

        // The token was presented, so it is consumed whatever the outcome (files.proto): its owner cannot redeem it now.
        using (var owner = new FdSocketClient(fixture.Daemon.FdSocketPath))
        {
            Assert.Equal(0x01, owner.Ask(open.Token.Span).Status);
        }

        Assert.True(await DaemonDescriptors.SettleAtMostAsync(fixture.Daemon, daemonFds, TimeSpan.FromSeconds(15)) <= daemonFds,
            "the daemon kept descriptors a client sent it");
        await AssertStillServingAndUnchangedAsync(before, "descriptors sent to the fd socket");
    }

    private async Task<(RegionTree Tree, DmaSnapshot Dma)> CaptureAsync() =>
        (await RegionTree.CaptureAsync(fixture.Files), await DmaSnapshot.CaptureAsync(fixture.Dma));

    private async Task AssertStillServingAndUnchangedAsync((RegionTree Tree, DmaSnapshot Dma) before, string because)
    {
        Assert.Equal(8192UL, (await fixture.Files.StatAsync(new StatRequest { Path = "/seed/blob" })).SizeBytes);
        before.Tree.AssertUnchanged(await RegionTree.CaptureAsync(fixture.Files), because);
        before.Dma.AssertUnchanged(await DmaSnapshot.CaptureAsync(fixture.Dma), because);
    }

    private static Task<byte[]> Raw(CallInvoker invoker, string method, byte[] body, string service = "liveupdate.v1.Files") =>
        invoker.AsyncUnaryCall(new Method<byte[], byte[]>(MethodType.Unary, service, method, s_bytes, s_bytes), null, default, body).ResponseAsync;

    private static IEnumerable<BadCall> BuildCalls()
    {
        const StatusCode Invalid = StatusCode.InvalidArgument;

        // Every RPC: request bytes that do not decode (GetRegionRequest has no fields, so that is its only bad input). They
        // fail in grpc-dotnet before the daemon's handler and interceptors run, and grpc-dotnet answers UNKNOWN "Exception
        // was thrown by handler." (gRPC's status-code table says INTERNAL for "error parsing request proto").
        foreach (var rpc in new[] { "GetRegion", "CreateFile", "MakeDirectory", "Stat", "List", "Resize", "Rename", "Remove", "Open" })
        {
            yield return new($"{rpc}: undecodable request bytes", StatusCode.Unknown, (_, raw) => Raw(raw, rpc, s_undecodable));
            if (rpc != "GetRegion")
            {
                yield return new($"{rpc}: truncated path field", StatusCode.Unknown, (_, raw) => Raw(raw, rpc, s_truncated));
                yield return new($"{rpc}: path that is not UTF-8", StatusCode.Unknown, (_, raw) => Raw(raw, rpc, s_notUtf8));
            }
        }

        // CreateFile
        yield return Create("NUL in a name", "/seed/a\0b", 4096, FileKind.Blob, Invalid);
        yield return Create("name of 256 bytes", "/seed/" + s_longName, 4096, FileKind.Blob, Invalid);
        yield return Create("name of 128 characters and 256 UTF-8 bytes", "/seed/" + s_longUtf8Name, 4096, FileKind.Blob, Invalid);
        yield return Create("path over 4096 bytes", s_longPath, 4096, FileKind.Blob, Invalid);
        yield return Create("trailing slash", "/seed/new/", 4096, FileKind.Blob, Invalid);
        yield return Create("empty component", "/seed//new", 4096, FileKind.Blob, Invalid);
        yield return Create("dot component", "/seed/./new", 4096, FileKind.Blob, Invalid);
        yield return Create("dot-dot as the name", "/seed/..", 4096, FileKind.Blob, Invalid);
        yield return Create("the root", "/", 4096, FileKind.Blob, StatusCode.AlreadyExists);
        yield return Create("size 2^64-1 (a negative size's bits)", "/seed/new", ulong.MaxValue, FileKind.Blob, Invalid);
        yield return Create("size 2^63", "/seed/new", 1UL << 63, FileKind.Blob, Invalid);
        yield return Create("size 2^62, beyond the format", "/seed/new", 1UL << 62, FileKind.Blob, StatusCode.ResourceExhausted);
        yield return Create("size 1 TiB, beyond the region", "/seed/new", TiB, FileKind.GuestMemory, StatusCode.ResourceExhausted);
        yield return Create("guest memory of zero bytes", "/seed/new", 0, FileKind.GuestMemory, Invalid);
        yield return Create("guest memory of 2 MiB + 4 KiB", "/seed/new", (2 * Clients.MiB) + 4096, FileKind.GuestMemory, Invalid);
        yield return Create("negative kind", "/seed/new", 4096, (FileKind)(-1), Invalid);
        yield return Create("parent missing", "/nowhere/new", 4096, FileKind.Blob, StatusCode.NotFound);
        yield return Create("parent is a file", "/seed/blob/new", 4096, FileKind.Blob, StatusCode.FailedPrecondition);
        yield return Create("existing directory", "/seed/sub", 4096, FileKind.Blob, StatusCode.AlreadyExists);
        yield return CreateWith("uuid without dashes", new() { VmUuid = Guid.NewGuid().ToString("N") }, Invalid);
        yield return CreateWith("uuid with a trailing space", new() { VmUuid = Guid.NewGuid().ToString("D") + " " }, Invalid);
        yield return CreateWith("uuid after a newline", new() { VmUuid = "\n" + Guid.NewGuid().ToString("D") }, Invalid);
        yield return CreateWith("uuid with non-hex digits", new() { VmUuid = "gggggggg-gggg-gggg-gggg-gggggggggggg" }, Invalid);
        yield return CreateWith("uuid of 100,000 characters", new() { VmUuid = new string('a', 100_000) }, Invalid);
        yield return CreateWith("mode 2^32-1", new() { Mode = uint.MaxValue }, Invalid);

        // MakeDirectory
        yield return MakeDirectory("empty path", new() { Path = "" }, Invalid);
        yield return MakeDirectory("relative path", new() { Path = "seed/new" }, Invalid);
        yield return MakeDirectory("dot-dot component", new() { Path = "/seed/../new" }, Invalid);
        yield return MakeDirectory("NUL in a name", new() { Path = "/new\0dir" }, Invalid);
        yield return MakeDirectory("name of 256 bytes", new() { Path = "/" + s_longName }, Invalid);
        yield return MakeDirectory("mode with the sticky bit", new() { Path = "/new", Mode = 0x3FF }, Invalid);
        yield return MakeDirectory("owner (uid_t)-1", new() { Path = "/new", OwnerUid = uint.MaxValue }, Invalid);
        yield return MakeDirectory("the root", new() { Path = "/" }, StatusCode.AlreadyExists);
        yield return MakeDirectory("existing directory", new() { Path = "/seed/sub" }, StatusCode.AlreadyExists);
        yield return MakeDirectory("existing file", new() { Path = "/seed/blob" }, StatusCode.AlreadyExists);
        yield return MakeDirectory("parent missing", new() { Path = "/nowhere/new" }, StatusCode.NotFound);
        yield return MakeDirectory("parent is a file", new() { Path = "/seed/ram/new" }, StatusCode.FailedPrecondition);

        // Stat
        yield return Stat("empty path", "", Invalid);
        yield return Stat("relative path", "seed", Invalid);
        yield return Stat("dot-dot component", "/seed/../seed", Invalid);
        yield return Stat("NUL in a name", "/seed\0", Invalid);
        yield return Stat("path over 4096 bytes", s_longPath, Invalid);
        yield return Stat("missing", "/seed/missing", StatusCode.NotFound);
        yield return Stat("through a file", "/seed/blob/x", StatusCode.FailedPrecondition);

        // List
        yield return List("empty path", "", Invalid);
        yield return List("dot-dot", "/..", Invalid);
        yield return List("NUL in a name", "/se\0ed", Invalid);
        yield return List("name of 256 bytes", "/" + s_longName, Invalid);
        yield return List("a file", "/seed/blob", StatusCode.FailedPrecondition);
        yield return List("missing", "/missing", StatusCode.NotFound);

        // Resize
        yield return Resize("empty path", "", 4096, Invalid);
        yield return Resize("NUL in a name", "/seed/blob\0", 4096, Invalid);
        yield return Resize("size 2^64-1", "/seed/blob", ulong.MaxValue, Invalid);
        yield return Resize("size 2^62, beyond the format", "/seed/blob", 1UL << 62, StatusCode.ResourceExhausted);
        yield return Resize("size 1 TiB, beyond the region", "/seed/ram", TiB, StatusCode.ResourceExhausted);
        yield return Resize("guest memory to zero", "/seed/ram", 0, Invalid);
        yield return Resize("guest memory to 3,000,000 bytes", "/seed/ram", 3_000_000, Invalid);
        yield return Resize("a directory", "/seed/sub", 4096, StatusCode.FailedPrecondition);
        yield return Resize("the root", "/", 4096, StatusCode.FailedPrecondition);
        yield return Resize("missing", "/seed/missing", 4096, StatusCode.NotFound);

        // Rename
        yield return Rename("empty path", "", "/new", Invalid);
        yield return Rename("empty new path", "/seed/blob", "", Invalid);
        yield return Rename("relative new path", "/seed/blob", "new", Invalid);
        yield return Rename("dot-dot in the new path", "/seed/blob", "/seed/sub/../new", Invalid);
        yield return Rename("NUL in the new name", "/seed/blob", "/seed/n\0ew", Invalid);
        yield return Rename("new name of 256 bytes", "/seed/blob", "/seed/" + s_longName, Invalid);
        yield return Rename("the root", "/", "/new", Invalid);
        yield return Rename("a directory into itself", "/seed", "/seed/sub/seed", Invalid);
        yield return Rename("onto the root", "/seed/blob", "/", StatusCode.AlreadyExists);
        yield return Rename("onto an existing file", "/seed/blob", "/seed/ram", StatusCode.AlreadyExists);
        yield return Rename("onto itself", "/seed/blob", "/seed/blob", StatusCode.AlreadyExists);
        yield return Rename("source missing", "/seed/missing", "/seed/new", StatusCode.NotFound);
        yield return Rename("target's parent missing", "/seed/blob", "/nowhere/blob", StatusCode.NotFound);
        yield return Rename("target under a file", "/seed/blob", "/seed/ram/blob", StatusCode.FailedPrecondition);

        // Remove
        yield return Remove("empty path", "", Invalid);
        yield return Remove("dot-dot component", "/seed/sub/..", Invalid);
        yield return Remove("NUL in a name", "/seed/blob\0x", Invalid);
        yield return Remove("path over 4096 bytes", s_longPath, Invalid);
        yield return Remove("the root", "/", Invalid);
        yield return Remove("a directory that is not empty", "/seed", StatusCode.FailedPrecondition);
        yield return Remove("missing", "/seed/missing", StatusCode.NotFound);
        yield return Remove("through a file", "/seed/blob/x", StatusCode.FailedPrecondition);

        // Open
        yield return Open("unknown access 99", "/seed/blob", (Access)99, Invalid);
        yield return Open("negative access", "/seed/blob", (Access)(-1), Invalid);
        yield return Open("empty path", "", Access.ReadOnly, Invalid);
        yield return Open("NUL in a name", "/seed/b\0lob", Access.ReadOnly, Invalid);
        yield return Open("dot-dot component", "/seed/../seed/blob", Access.ReadWrite, Invalid);
        yield return Open("the root", "/", Access.ReadOnly, StatusCode.FailedPrecondition);
        yield return Open("missing", "/seed/missing", Access.ReadWrite, StatusCode.NotFound);

        // WriteContents and ReadContents
        yield return Write("no message at all", [], Invalid);
        yield return Write("no path", [new() { Data = ByteString.CopyFrom(1, 2), Last = true }], Invalid);
        yield return Write("NUL in a name", [Last("/seed/sub/st\0ate", [])], Invalid);
        yield return Write("dot-dot component", [Last("/seed/../seed/sub/state", [])], Invalid);
        yield return Write("missing file", [Last("/seed/missing", [1])], StatusCode.NotFound);
        yield return Write("a directory", [Last("/seed/sub", [1])], StatusCode.FailedPrecondition);
        yield return Write("guest memory", [Last("/seed/ram", [1])], StatusCode.FailedPrecondition);
        yield return Write("a message of 1 MiB + 1 byte", [Last("/seed/sub/state", new byte[(1 << 20) + 1])], Invalid);
        yield return Write("a later message naming another file",
            [new() { Path = "/seed/sub/state", Data = ByteString.CopyFrom(1) }, Last("/seed/blob", [2])], Invalid);
        yield return Write("the stream ends without last",
            [new() { Path = "/seed/sub/state", Data = ByteString.CopyFrom(1, 2, 3) }, new() { Data = ByteString.CopyFrom(4) }], Invalid);
        yield return Write("checksum of other bytes",
            [new() { Path = "/seed/sub/state", Data = ByteString.CopyFrom(1, 2, 3), Last = true, Checksum = System.IO.Hashing.XxHash64.HashToUInt64([1, 2, 4]) }], StatusCode.DataLoss);
        yield return Write("checksum zero for bytes", [new() { Path = "/seed/blob", Data = ByteString.CopyFrom(1), Last = true }], StatusCode.DataLoss);
        yield return ReadContents("empty path", "", Invalid);
        yield return ReadContents("relative path", "seed/blob", Invalid);
        yield return ReadContents("missing", "/seed/missing", StatusCode.NotFound);
        yield return ReadContents("a directory", "/seed", StatusCode.FailedPrecondition);
        yield return ReadContents("guest memory", "/seed/ram", StatusCode.FailedPrecondition);

        // Lifecycle (the test runs as root, so the admin-only calls get as far as validation). None of these may start a
        // freeze, register anything or move a file: the tree and GetRegion (state, generation) are compared afterwards.
        foreach (var rpc in new[] { "GetStatus", "AckFreeze", "Thaw", "Reconcile", "Reclaim", "Check", "CollectGarbage" })
        {
            yield return new($"{rpc}: undecodable request bytes", StatusCode.Unknown, (_, raw) => Raw(raw, rpc, s_undecodable, "liveupdate.v1.Lifecycle"));
        }

        const string Unregistered = "6f0c1f3e-2b7a-4c59-9d2e-0a1b2c3d4e5f";
        yield return Register("malformed vm_uuid", "not-a-uuid", "vm", Invalid);
        yield return Register("empty vm_uuid", "", "vm", Invalid);
        yield return Register("braced vm_uuid", "{" + Unregistered + "}", "vm", Invalid);
        yield return Register("empty name", Unregistered, "", Invalid);
        yield return Register("name of 129 characters", Unregistered, new string('n', 129), Invalid);
        yield return Register("control character in the name", Unregistered, "vm\n1", Invalid);
        yield return Lifecycle("AckFreeze: malformed vm_uuid", Invalid, (c, o) => c.AckFreezeAsync(new AckFreezeRequest { VmUuid = "zz" }, o).ResponseAsync);
        yield return Lifecycle("AckFreeze: unregistered VM", StatusCode.FailedPrecondition,
            (c, o) => c.AckFreezeAsync(new AckFreezeRequest { VmUuid = Unregistered }, o).ResponseAsync);
        yield return Lifecycle("AckFreeze: failure of two lines", Invalid,
            (c, o) => c.AckFreezeAsync(new AckFreezeRequest { VmUuid = Unregistered, Failure = "one\ntwo" }, o).ResponseAsync);
        yield return Lifecycle("AckFreeze: failure of blanks", Invalid,
            (c, o) => c.AckFreezeAsync(new AckFreezeRequest { VmUuid = Unregistered, Failure = "   " }, o).ResponseAsync);
        yield return Lifecycle("AckFreeze: failure of 100,000 characters", Invalid,
            (c, o) => c.AckFreezeAsync(new AckFreezeRequest { VmUuid = Unregistered, Failure = new string('x', 100_000) }, o).ResponseAsync);
        yield return Lifecycle("AckFreeze: failure of an unregistered VM", StatusCode.FailedPrecondition,
            (c, o) => c.AckFreezeAsync(new AckFreezeRequest { VmUuid = Unregistered, Failure = "could not save" }, o).ResponseAsync);
        yield return Freeze("negative timeout", new Google.Protobuf.WellKnownTypes.Duration { Seconds = -1 });
        yield return Freeze("timeout over an hour", new Google.Protobuf.WellKnownTypes.Duration { Seconds = 3601 });
        yield return Freeze("nanos out of range", new Google.Protobuf.WellKnownTypes.Duration { Seconds = 1, Nanos = 1_000_000_000 });
        yield return Lifecycle("Reclaim: malformed vm_uuid", Invalid, (c, o) => c.ReclaimAsync(new ReclaimRequest { VmUuid = "1234" }, o).ResponseAsync);
        yield return Lifecycle("Reclaim: empty vm_uuid", Invalid, (c, o) => c.ReclaimAsync(new ReclaimRequest(), o).ResponseAsync);
        yield return Lifecycle("Reclaim: VM without files", StatusCode.NotFound, (c, o) => c.ReclaimAsync(new ReclaimRequest { VmUuid = Unregistered }, o).ResponseAsync);
        yield return Lifecycle("CollectGarbage: negative older_than", Invalid,
            (c, o) => c.CollectGarbageAsync(new CollectGarbageRequest { OlderThan = new Google.Protobuf.WellKnownTypes.Duration { Seconds = -60 } }, o).ResponseAsync);
        // Dma (the seeded domains 13 and 14, device 0000:0d:00.0, /seed/dma-ram mapped at 0x200000 in domain 13).
        foreach (var rpc in new[] { "CreateDomain", "AttachDevice", "DetachDevice", "Map", "Unmap", "Translate", "ListDomains", "ListMappings", "DestroyDomain" })
        {
            yield return new($"{rpc}: undecodable request bytes", StatusCode.Unknown, (_, raw) => Raw(raw, rpc, s_undecodable, "liveupdate.v1.Dma"));
        }

        const uint Seeded = SeededDaemon.Domain;
        yield return Dma("CreateDomain: domain id 0", Invalid, (c, o) => c.CreateDomainAsync(new CreateDomainRequest { DomainId = 0, AddressWidth = 48 }, o).ResponseAsync);
        yield return Dma("CreateDomain: domain id 65536", Invalid, (c, o) => c.CreateDomainAsync(new CreateDomainRequest { DomainId = 65536, AddressWidth = 48 }, o).ResponseAsync);
        yield return Dma("CreateDomain: domain id 2^32-1", Invalid, (c, o) => c.CreateDomainAsync(new CreateDomainRequest { DomainId = uint.MaxValue, AddressWidth = 48 }, o).ResponseAsync);
        yield return Dma("CreateDomain: address width 0", Invalid, (c, o) => c.CreateDomainAsync(new CreateDomainRequest { DomainId = 100, AddressWidth = 0 }, o).ResponseAsync);
        yield return Dma("CreateDomain: address width 40", Invalid, (c, o) => c.CreateDomainAsync(new CreateDomainRequest { DomainId = 100, AddressWidth = 40 }, o).ResponseAsync);
        yield return Dma("CreateDomain: address width 64", Invalid, (c, o) => c.CreateDomainAsync(new CreateDomainRequest { DomainId = 100, AddressWidth = 64 }, o).ResponseAsync);
        yield return Dma("CreateDomain: malformed vm_uuid", Invalid,
            (c, o) => c.CreateDomainAsync(new CreateDomainRequest { DomainId = 100, AddressWidth = 48, VmUuid = "not-a-uuid" }, o).ResponseAsync);
        yield return Dma("CreateDomain: owner (uid_t)-1", Invalid,
            (c, o) => c.CreateDomainAsync(new CreateDomainRequest { DomainId = 100, AddressWidth = 48, OwnerUid = uint.MaxValue }, o).ResponseAsync);
        yield return Dma("CreateDomain: existing domain", StatusCode.AlreadyExists,
            (c, o) => c.CreateDomainAsync(new CreateDomainRequest { DomainId = Seeded, AddressWidth = 48 }, o).ResponseAsync);
        foreach (var (what, pci) in new[]
                 {
                     ("empty PCI address", ""), ("PCI address without a function", "0000:0e:00"), ("PCI device 0x20", "0000:0e:20.0"),
                     ("PCI function 8", "0000:0e:00.8"), ("PCI address with a leading space", " 0000:0e:00.0"), ("lspci's short form", "0e:00.0"),
                     ("PCI address of 10,000 characters", new string('0', 10_000)),
                 })
        {
            yield return Dma($"AttachDevice: {what}", Invalid, (c, o) => c.AttachDeviceAsync(new AttachDeviceRequest { DomainId = Seeded, PciAddress = pci }, o).ResponseAsync);
        }

        yield return Dma("AttachDevice: PCI segment 0001", Invalid,
            (c, o) => c.AttachDeviceAsync(new AttachDeviceRequest { DomainId = Seeded, PciAddress = "0001:0e:00.0" }, o).ResponseAsync);
        yield return Dma("AttachDevice: domain id 0", Invalid,
            (c, o) => c.AttachDeviceAsync(new AttachDeviceRequest { DomainId = 0, PciAddress = "0000:0e:00.0" }, o).ResponseAsync);
        yield return Dma("AttachDevice: unknown domain", StatusCode.NotFound,
            (c, o) => c.AttachDeviceAsync(new AttachDeviceRequest { DomainId = 4242, PciAddress = "0000:0e:00.0" }, o).ResponseAsync);
        yield return Dma("AttachDevice: device attached already", StatusCode.AlreadyExists,
            (c, o) => c.AttachDeviceAsync(new AttachDeviceRequest { DomainId = SeededDaemon.NarrowDomain, PciAddress = SeededDaemon.Device }, o).ResponseAsync);
        yield return Dma("DetachDevice: empty PCI address", Invalid, (c, o) => c.DetachDeviceAsync(new DetachDeviceRequest(), o).ResponseAsync);
        yield return Dma("DetachDevice: malformed PCI address", Invalid, (c, o) => c.DetachDeviceAsync(new DetachDeviceRequest { PciAddress = "0000:0d:00:0" }, o).ResponseAsync);
        yield return Dma("DetachDevice: device not attached", StatusCode.NotFound, (c, o) => c.DetachDeviceAsync(new DetachDeviceRequest { PciAddress = "0000:0e:00.0" }, o).ResponseAsync);
        yield return DmaMap("domain id 65536", r => r.DomainId = 65536, Invalid);
        yield return DmaMap("length 2^64-1", r => r.Length = ulong.MaxValue, Invalid);
        yield return DmaMap("length 0", r => r.Length = 0, Invalid);
        yield return DmaMap("file offset 2^63", r => r.FileOffset = 1UL << 63, Invalid);
        yield return DmaMap("empty path", r => r.Path = "", Invalid);
        yield return DmaMap("NUL in the path", r => r.Path = "/seed/dma\0ram", Invalid);
        yield return DmaMap("IOVA 2^64-4096", r => r.Iova = ulong.MaxValue - 4095, Invalid);
        yield return DmaMap("IOVA not 4 KiB aligned", r => r.Iova = 0x4000_0800, Invalid);
        yield return DmaMap("neither readable nor writable", r => r.Readable = r.Writable = false, Invalid);
        yield return DmaMap("the mapped range again", r => r.Iova = SeededDaemon.MappedIova, StatusCode.AlreadyExists);
        yield return DmaMap("a directory", r => r.Path = "/seed/sub", StatusCode.FailedPrecondition);
        yield return DmaMap("a domain's own table inode", r => r.Path = "/.iommu/domain-13", StatusCode.FailedPrecondition);
        yield return Dma("Unmap: length 0", Invalid, (c, o) => c.UnmapAsync(new UnmapRequest { DomainId = Seeded, Iova = SeededDaemon.MappedIova, Length = 0 }, o).ResponseAsync);
        yield return Dma("Unmap: length 2^64-1", Invalid, (c, o) => c.UnmapAsync(new UnmapRequest { DomainId = Seeded, Iova = 0, Length = ulong.MaxValue }, o).ResponseAsync);
        yield return Dma("Unmap: domain id 0", Invalid, (c, o) => c.UnmapAsync(new UnmapRequest { DomainId = 0, Iova = SeededDaemon.MappedIova, Length = 4096 }, o).ResponseAsync);
        yield return Dma("Unmap: half of a mapping", Invalid,
            (c, o) => c.UnmapAsync(new UnmapRequest { DomainId = Seeded, Iova = SeededDaemon.MappedIova, Length = 2 * Clients.MiB }, o).ResponseAsync);
        yield return Dma("Translate: neither domain nor device", Invalid, (c, o) => c.TranslateAsync(new TranslateRequest { Iova = SeededDaemon.MappedIova }, o).ResponseAsync);
        yield return Dma("Translate: domain id 0", Invalid, (c, o) => c.TranslateAsync(new TranslateRequest { DomainId = 0, Iova = SeededDaemon.MappedIova }, o).ResponseAsync);
        yield return Dma("Translate: malformed PCI address", Invalid, (c, o) => c.TranslateAsync(new TranslateRequest { PciAddress = "bus 13", Iova = 0 }, o).ResponseAsync);
        yield return Dma("Translate: IOVA 2^64-1", Invalid, (c, o) => c.TranslateAsync(new TranslateRequest { DomainId = Seeded, Iova = ulong.MaxValue }, o).ResponseAsync);
        yield return Dma("ListMappings: domain id 0", Invalid, (c, o) => c.ListMappingsAsync(new ListMappingsRequest(), o).ResponseAsync);
        yield return Dma("ListMappings: domain id 70000", Invalid, (c, o) => c.ListMappingsAsync(new ListMappingsRequest { DomainId = 70_000 }, o).ResponseAsync);
        yield return Dma("ListMappings: unknown domain", StatusCode.NotFound, (c, o) => c.ListMappingsAsync(new ListMappingsRequest { DomainId = 4242 }, o).ResponseAsync);
        yield return Dma("DestroyDomain: domain id 0", Invalid, (c, o) => c.DestroyDomainAsync(new DestroyDomainRequest(), o).ResponseAsync);
        yield return Dma("DestroyDomain: unknown domain", StatusCode.NotFound, (c, o) => c.DestroyDomainAsync(new DestroyDomainRequest { DomainId = 4242 }, o).ResponseAsync);
    }

    private static BadCall Dma(string what, StatusCode expected, Func<DmaClient, CallOptions, Task> call) =>
        new(what, expected, (_, raw) => call(new DmaClient(raw), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30))));

    /// <summary>Map of 2 MiB of /seed/dma-ram at 0x4000_0000 in domain 13, read-write, as <paramref name="change"/> alters it.</summary>
    private static BadCall DmaMap(string what, Action<MapRequest> change, StatusCode expected)
    {
        var request = new MapRequest
        {
            DomainId = SeededDaemon.Domain, Iova = 0x4000_0000, Path = SeededDaemon.MappedFile, FileOffset = 0, Length = 2 * Clients.MiB, Readable = true, Writable = true,
        };
        change(request);
        return Dma($"Map: {what}", expected, (c, o) => c.MapAsync(request, o).ResponseAsync);
    }

    private static BadCall Lifecycle(string what, StatusCode expected, Func<LiveUpdate.Protocol.V1.Lifecycle.LifecycleClient, CallOptions, Task> call) =>
        new(what, expected, (_, raw) => call(new LiveUpdate.Protocol.V1.Lifecycle.LifecycleClient(raw), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30))));

    private static BadCall Register(string what, string vmUuid, string name, StatusCode expected) =>
        Lifecycle($"RegisterVmm: {what}", expected, async (c, o) =>
        {
            using var stream = c.RegisterVmm(new RegisterVmmRequest { VmUuid = vmUuid, Name = name }, o);
            await stream.ResponseStream.MoveNext();
        });

    private static BadCall Freeze(string what, Google.Protobuf.WellKnownTypes.Duration timeout) =>
        Lifecycle($"Freeze: {what}", StatusCode.InvalidArgument, async (c, o) =>
        {
            using var stream = c.Freeze(new FreezeRequest { Timeout = timeout }, o);
            await stream.ResponseStream.MoveNext();
        });

    private static BadCall Create(string what, string path, ulong size, FileKind kind, StatusCode expected) =>
        new($"CreateFile: {what}", expected, (files, _) => files.CreateFileAsync(new CreateFileRequest { Path = path, SizeBytes = size, Kind = kind }).ResponseAsync);

    private static BadCall CreateWith(string what, CreateFileRequest request, StatusCode expected)
    {
        request.Path = "/seed/new";
        request.SizeBytes = 4096;
        request.Kind = FileKind.Blob;
        return new($"CreateFile: {what}", expected, (files, _) => files.CreateFileAsync(request).ResponseAsync);
    }

    private static BadCall MakeDirectory(string what, MakeDirectoryRequest request, StatusCode expected) =>
        new($"MakeDirectory: {what}", expected, (files, _) => files.MakeDirectoryAsync(request).ResponseAsync);

    private static BadCall Stat(string what, string path, StatusCode expected) =>
        new($"Stat: {what}", expected, (files, _) => files.StatAsync(new StatRequest { Path = path }).ResponseAsync);

    private static BadCall List(string what, string path, StatusCode expected) =>
        new($"List: {what}", expected, (files, _) => files.ListAsync(new ListRequest { Path = path }).ResponseAsync);

    private static BadCall Resize(string what, string path, ulong size, StatusCode expected) =>
        new($"Resize: {what}", expected, (files, _) => files.ResizeAsync(new ResizeRequest { Path = path, SizeBytes = size }).ResponseAsync);

    private static BadCall Rename(string what, string path, string newPath, StatusCode expected) =>
        new($"Rename: {what}", expected, (files, _) => files.RenameAsync(new RenameRequest { Path = path, NewPath = newPath }).ResponseAsync);

    private static BadCall Remove(string what, string path, StatusCode expected) =>
        new($"Remove: {what}", expected, (files, _) => files.RemoveAsync(new RemoveRequest { Path = path }).ResponseAsync);

    /// <summary>WriteContents streaming <paramref name="messages"/> and ending the stream; the daemon's answer decides.</summary>
    private static BadCall Write(string what, WriteContentsRequest[] messages, StatusCode expected) =>
        new($"WriteContents: {what}", expected, async (files, _) =>
        {
            using var call = files.WriteContents(deadline: DateTime.UtcNow.AddSeconds(30));
            try
            {
                foreach (var message in messages)
                {
                    await call.RequestStream.WriteAsync(message);
                }

                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is InvalidOperationException or RpcException)
            {
                // The daemon answered before the stream ended: its status is the response's.
            }

            await call.ResponseAsync;
        });

    /// <summary>A last message for <paramref name="path"/> with <paramref name="data"/> and its right checksum.</summary>
    private static WriteContentsRequest Last(string path, byte[] data) =>
        new() { Path = path, Data = ByteString.CopyFrom(data), Last = true, Checksum = System.IO.Hashing.XxHash64.HashToUInt64(data) };

    private static BadCall ReadContents(string what, string path, StatusCode expected) =>
        new($"ReadContents: {what}", expected, async (files, _) =>
        {
            using var call = files.ReadContents(new ReadContentsRequest { Path = path }, deadline: DateTime.UtcNow.AddSeconds(30));
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });

    private static BadCall Open(string what, string path, Access access, StatusCode expected) =>
        new($"Open: {what}", expected, (files, _) => files.OpenAsync(new OpenRequest { Path = path, Access = access }).ResponseAsync);

    /// <summary>One bad request: its name (the theory's case), the status it must get, and how to send it.</summary>
    private sealed record BadCall(string Name, StatusCode Expected, Func<Files.FilesClient, CallInvoker, Task> Invoke);
}
