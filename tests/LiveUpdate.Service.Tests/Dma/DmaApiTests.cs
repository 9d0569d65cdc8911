using Grpc.Core;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;
using DmaClient = LiveUpdate.Protocol.V1.Dma.DmaClient;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Service.Tests.Dma;

/// <summary>
/// The Dma API of a real daemon over its Unix socket (docs/design.md §8): domains, devices and mappings, translations that reach
/// the file's extents by a walk of the tables (from the domain, and from the root table as the IOMMU walks for a device),
/// the entries an outside checker reads from the region file, pinning, refusals that change nothing, and who may do what.
/// Each test uses domain ids and buses of its own; the seeded domains 13 and 14 (<see cref="SeededDaemon"/>) are only read.
/// Persistence across daemon death and a kexec is <see cref="DmaPersistenceTests"/>.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class DmaApiTests(SeededDaemon fixture) : IClassFixture<SeededDaemon>
{
    private const ulong MiB = 1UL << 20;
    private const ulong TwoMiB = 2 * MiB;
    private readonly Files.FilesClient _files = fixture.Files;
    private readonly DmaClient _dma = fixture.Dma;

    private static readonly Dictionary<string, (StatusCode Expected, Func<DmaClient, Task> Call)> s_refusals = new()
    {
        // Domain 13: 48-bit, device 0000:0d:00.0, /seed/dma-ram (4 MiB) mapped whole at 0x200000. Domain 14: 39-bit.
        ["Map: the same range again"] = (StatusCode.AlreadyExists, SeededMap(m => { })),
        ["Map: overlapping the mapping's last page"] = (StatusCode.AlreadyExists, SeededMap(m => m.Iova = SeededDaemon.MappedIova + (4 * MiB) - 4096)),
        ["Map: overlapping the mapping's first half"] = (StatusCode.AlreadyExists, SeededMap(m => m.Iova = 0)),
        ["Map: IOVA not 4 KiB aligned"] = (StatusCode.InvalidArgument, SeededMap(m => m.Iova = 0x4000_0200)),
        ["Map: length not a multiple of 4 KiB"] = (StatusCode.InvalidArgument, SeededMap(m => (m.Iova, m.Length) = (0x4000_0000, 4095))),
        ["Map: file offset not 4 KiB aligned"] = (StatusCode.InvalidArgument, SeededMap(m => (m.Iova, m.FileOffset) = (0x4000_0000, 0x800))),
        ["Map: past the end of the file"] = (StatusCode.InvalidArgument, SeededMap(m => (m.Iova, m.FileOffset) = (0x4000_0000, 3 * MiB))),
        ["Map: IOVA at the 39-bit limit"] = (StatusCode.InvalidArgument, SeededMap(m => (m.DomainId, m.Iova) = (SeededDaemon.NarrowDomain, 1UL << 39))),
        ["Map: a range crossing the 39-bit limit"] = (StatusCode.InvalidArgument, SeededMap(m => (m.DomainId, m.Iova) = (SeededDaemon.NarrowDomain, (1UL << 39) - MiB))),
        ["Map: unknown domain"] = (StatusCode.NotFound, SeededMap(m => (m.DomainId, m.Iova) = (4242, 0x4000_0000))),
        ["Map: missing file"] = (StatusCode.NotFound, SeededMap(m => (m.Iova, m.Path) = (0x4000_0000, "/seed/no-such-ram"))),
        ["Map: a BLOB"] = (StatusCode.FailedPrecondition, SeededMap(m => (m.Iova, m.Path, m.Length) = (0x4000_0000, "/seed/blob", 8192))),
        ["Unmap: nothing mapped there"] = (StatusCode.NotFound, d => d.UnmapAsync(new UnmapRequest { DomainId = SeededDaemon.Domain, Iova = 0x4000_0000, Length = MiB }).ResponseAsync),
        ["Unmap: splitting the mapping"] = (StatusCode.InvalidArgument,
            d => d.UnmapAsync(new UnmapRequest { DomainId = SeededDaemon.Domain, Iova = SeededDaemon.MappedIova + MiB, Length = MiB }).ResponseAsync),
        ["Unmap: unknown domain"] = (StatusCode.NotFound, d => d.UnmapAsync(new UnmapRequest { DomainId = 4242, Iova = SeededDaemon.MappedIova, Length = 4 * MiB }).ResponseAsync),
        ["CreateDomain: existing id"] = (StatusCode.AlreadyExists, d => d.CreateDomainAsync(new CreateDomainRequest { DomainId = SeededDaemon.Domain, AddressWidth = 39 }).ResponseAsync),
        ["CreateDomain: address width 52"] = (StatusCode.InvalidArgument, d => d.CreateDomainAsync(new CreateDomainRequest { DomainId = 29, AddressWidth = 52 }).ResponseAsync),
        ["CreateDomain: id 0"] = (StatusCode.InvalidArgument, d => d.CreateDomainAsync(new CreateDomainRequest { DomainId = 0, AddressWidth = 48 }).ResponseAsync),
        ["CreateDomain: id 65536"] = (StatusCode.InvalidArgument, d => d.CreateDomainAsync(new CreateDomainRequest { DomainId = 65536, AddressWidth = 48 }).ResponseAsync),
        ["AttachDevice: attached to this domain already"] = (StatusCode.AlreadyExists,
            d => d.AttachDeviceAsync(new AttachDeviceRequest { DomainId = SeededDaemon.Domain, PciAddress = SeededDaemon.Device }).ResponseAsync),
        ["AttachDevice: attached to another domain"] = (StatusCode.AlreadyExists,
            d => d.AttachDeviceAsync(new AttachDeviceRequest { DomainId = SeededDaemon.NarrowDomain, PciAddress = SeededDaemon.Device }).ResponseAsync),
        ["AttachDevice: unknown domain"] = (StatusCode.NotFound, d => d.AttachDeviceAsync(new AttachDeviceRequest { DomainId = 4242, PciAddress = "0000:1c:00.0" }).ResponseAsync),
        ["AttachDevice: not a PCI address"] = (StatusCode.InvalidArgument,
            d => d.AttachDeviceAsync(new AttachDeviceRequest { DomainId = SeededDaemon.NarrowDomain, PciAddress = "00:1c.0" }).ResponseAsync),
        ["AttachDevice: PCI device 0x1f + 1"] = (StatusCode.InvalidArgument,
            d => d.AttachDeviceAsync(new AttachDeviceRequest { DomainId = SeededDaemon.NarrowDomain, PciAddress = "0000:1c:20.0" }).ResponseAsync),
        ["DetachDevice: not attached"] = (StatusCode.NotFound, d => d.DetachDeviceAsync(new DetachDeviceRequest { PciAddress = "0000:1c:00.0" }).ResponseAsync),
        ["Translate: unmapped IOVA"] = (StatusCode.NotFound, d => d.TranslateAsync(new TranslateRequest { DomainId = SeededDaemon.Domain, Iova = 0x4000_0000 }).ResponseAsync),
        ["Translate: device not attached"] = (StatusCode.NotFound, d => d.TranslateAsync(new TranslateRequest { PciAddress = "0000:1c:00.0", Iova = SeededDaemon.MappedIova }).ResponseAsync),
        ["Translate: IOVA beyond the 39-bit width"] = (StatusCode.InvalidArgument,
            d => d.TranslateAsync(new TranslateRequest { DomainId = SeededDaemon.NarrowDomain, Iova = 1UL << 39 }).ResponseAsync),
        ["ListMappings: unknown domain"] = (StatusCode.NotFound, d => d.ListMappingsAsync(new ListMappingsRequest { DomainId = 4242 }).ResponseAsync),
        ["DestroyDomain: unknown domain"] = (StatusCode.NotFound, d => d.DestroyDomainAsync(new DestroyDomainRequest { DomainId = 4242 }).ResponseAsync),
    };

    public static TheoryData<string> Refusals => new(s_refusals.Keys);

    [Fact(Timeout = 60_000)]
    public async Task CreateAttachMap_ListMappingsAndTranslateByDomainAndByDevice_ReachTheFilesExtents()
    {
        const uint Id = 21;
        const string Device = "0000:15:03.2"; // bus 0x15, devfn 3 << 3 | 2 = 26
        var vm = Guid.NewGuid();
        var region = await _files.GetRegionAsync(new GetRegionRequest());

        var domain = await _dma.CreateDomainAsync(new CreateDomainRequest { DomainId = Id, AddressWidth = 48, VmUuid = vm.ToString() });
        Assert.True(domain.Id == Id && domain.AddressWidth == 48 && domain.Levels == 4, $"created: {domain}");
        Assert.Empty(domain.Devices);
        Assert.True(domain.MappingCount == 0 && domain.MappedBytes == 0 && domain.TablePages == 1, $"created: {domain}");
        Assert.Equal(RunningDaemon.CurrentUid, domain.OwnerUid);
        Assert.Equal(vm.ToString(), domain.VmUuid);
        Assert.Equal($"/.iommu/domain-{Id}", domain.Path);
        Assert.Equal(FileKind.IommuPgtable, (await _files.StatAsync(new StatRequest { Path = domain.Path })).Kind);

        var attach = await _dma.AttachDeviceAsync(new AttachDeviceRequest { DomainId = Id, PciAddress = Device.ToUpperInvariant() });
        Assert.Equal(Device, attach.PciAddress);
        Assert.Equal([Device], attach.Domain.Devices);

        // VT-d legacy mode: the root entry is present and points at the context table (its high word is reserved); the
        // context entry is present, translates untranslated requests only, points at the domain's top table, and
        // carries the address width (levels - 2) and the domain id.
        Assert.Equal(1UL, attach.RootEntryLow & 0xFFF);
        Assert.Equal(attach.ContextTablePhysicalAddress, attach.RootEntryLow & ~0xFFFUL);
        Assert.Equal(0UL, attach.RootEntryHigh);
        Assert.Equal(domain.TopTablePhysical | 1, attach.ContextEntryLow);
        Assert.Equal(2UL | (Id << 8), attach.ContextEntryHigh);

        // An outside checker reads the same words at the same physical addresses of the region.
        var regionPath = fixture.Daemon.RegionPath;
        Assert.Equal(attach.RootEntryLow, await TablePages.WordAsync(regionPath, region.PhysicalBase, attach.RootTablePhysicalAddress + (16 * 0x15)));
        Assert.Equal(attach.ContextEntryLow, await TablePages.WordAsync(regionPath, region.PhysicalBase, attach.ContextTablePhysicalAddress + (16 * 26)));
        Assert.Equal(attach.ContextEntryHigh, await TablePages.WordAsync(regionPath, region.PhysicalBase, attach.ContextTablePhysicalAddress + (16 * 26) + 8));
        var domains = await _dma.ListDomainsAsync(new ListDomainsRequest());
        Assert.Equal(attach.RootTablePhysicalAddress, domains.RootTablePhysicalAddress);
        Assert.Equal(attach.Domain, domains.Domains.Single(d => d.Id == Id));

        await _files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/dma-api" });
        var file = await _files.CreateFileAsync(new CreateFileRequest { Path = "/dma-api/ram", SizeBytes = 8 * MiB, Kind = FileKind.GuestMemory, VmUuid = vm.ToString() });
        var whole = await _dma.MapAsync(Map(Id, 0x4000_0000, file.Path, 0, 8 * MiB, readable: true, writable: true));
        Assert.True(whole.DomainId == Id && whole.Iova == 0x4000_0000 && whole.Length == 8 * MiB && whole.Path == file.Path && whole.FileOffset == 0, $"mapped: {whole}");
        Assert.True(whole.Readable && whole.Writable, $"mapped: {whole}");
        Assert.True(whole.Pages2M == 4 && whole.Pages4K == 0 && whole.Pages1G == 0, $"2 MiB aligned IOVA and extents take 2 MiB leaves: {whole}");

        // Not 2 MiB aligned in IOVA: 4 KiB leaves, read-only.
        var small = await _dma.MapAsync(Map(Id, 0x8000_1000, file.Path, TwoMiB, 64 * 1024, readable: true, writable: false));
        Assert.True(small.Pages4K == 16 && small.Pages2M == 0 && !small.Writable, $"mapped: {small}");

        Assert.Equal([whole, small], (await _dma.ListMappingsAsync(new ListMappingsRequest { DomainId = Id })).Mappings);
        Assert.Equal(8 * MiB, (await _files.StatAsync(new StatRequest { Path = file.Path })).DmaMappedBytes);
        var listed = (await _dma.ListDomainsAsync(new ListDomainsRequest())).Domains.Single(d => d.Id == Id);
        Assert.True(listed.MappingCount == 2 && listed.MappedBytes == (8 * MiB) + (64 * 1024) && listed.TablePages > 1, $"listed: {listed}");

        foreach (var offset in new ulong[] { 0, 0x1234, TwoMiB + 0x10, (5 * MiB) + 4096, (8 * MiB) - 8 })
        {
            await AssertTranslatesAsync(Id, Device, 0x4000_0000 + offset, file, offset, TwoMiB, writable: true, levelsWalked: 3, region.PhysicalBase);
        }

        await AssertTranslatesAsync(Id, Device, 0x8000_1000 + (5 * 4096) + 7, file, TwoMiB + (5 * 4096) + 7, 4096, writable: false, levelsWalked: 4, region.PhysicalBase);

        var past = await Assert.ThrowsAsync<RpcException>(() => _dma.TranslateAsync(new TranslateRequest { DomainId = Id, Iova = 0x4000_0000 + (8 * MiB) }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, past.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Dma_IsListedByReflection_AndHealthServesIt()
    {
        // grpc.reflection.v1alpha ServerReflectionInfo with list_services (field 7) = "": the answer names every service.
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "grpc.reflection.v1alpha.ServerReflection", "ServerReflectionInfo", bytes, bytes);
        using var call = fixture.Channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)));
        await call.RequestStream.WriteAsync([0x3A, 0x00]);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains("liveupdate.v1.Dma", System.Text.Encoding.UTF8.GetString(call.ResponseStream.Current), StringComparison.Ordinal);

        var health = new Grpc.Health.V1.Health.HealthClient(fixture.Channel);
        var status = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = "liveupdate.v1.Dma" });
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, status.Status);
    }

    [Fact(Timeout = 60_000)]
    public async Task MappedFile_ShrinkAndRemove_AreFailedPreconditionNamingTheDomainAndIova_UntilUnmapped()
    {
        const uint Id = 22;
        await _dma.CreateDomainAsync(new CreateDomainRequest { DomainId = Id, AddressWidth = 48 });
        await _files.CreateFileAsync(new CreateFileRequest { Path = "/dma-pinned", SizeBytes = 6 * MiB, Kind = FileKind.GuestMemory });
        await _dma.MapAsync(Map(Id, 0x1_0000_0000, "/dma-pinned", TwoMiB, 4 * MiB, readable: true, writable: true));
        var before = await CaptureAsync();

        foreach (var (what, call) in new (string, Func<Task>)[]
                 {
                     ("Resize to 4 MiB", () => _files.ResizeAsync(new ResizeRequest { Path = "/dma-pinned", SizeBytes = 4 * MiB }).ResponseAsync),
                     ("Remove", () => _files.RemoveAsync(new RemoveRequest { Path = "/dma-pinned" }).ResponseAsync),
                 })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(refused.StatusCode == StatusCode.FailedPrecondition, $"{what}: {refused.Status}");
            Assert.Contains($"domain {Id}", refused.Status.Detail, StringComparison.Ordinal);
            Assert.Contains("0x100000000", refused.Status.Detail, StringComparison.Ordinal);
            await AssertUnchangedAsync(before, what);
        }

        // Growing keeps the pinned extents where they are: allowed.
        await _files.ResizeAsync(new ResizeRequest { Path = "/dma-pinned", SizeBytes = 8 * MiB });

        var unmapped = await _dma.UnmapAsync(new UnmapRequest { DomainId = Id, Iova = 0x1_0000_0000, Length = 4 * MiB });
        Assert.Equal("/dma-pinned", Assert.Single(unmapped.Unmapped).Path);
        Assert.Equal(0UL, (await _files.StatAsync(new StatRequest { Path = "/dma-pinned" })).DmaMappedBytes);
        await _files.ResizeAsync(new ResizeRequest { Path = "/dma-pinned", SizeBytes = 2 * MiB });
        await _files.RemoveAsync(new RemoveRequest { Path = "/dma-pinned" });
        var destroyed = await _dma.DestroyDomainAsync(new DestroyDomainRequest { DomainId = Id });
        Assert.Equal(Id, destroyed.Domain.Id);
        Assert.DoesNotContain((await _dma.ListDomainsAsync(new ListDomainsRequest())).Domains, d => d.Id == Id);
    }

    [Fact(Timeout = 60_000)]
    public async Task DestroyDomain_UnpinsItsFilesAndDetachesItsDevices()
    {
        const uint Id = 23;
        await _dma.CreateDomainAsync(new CreateDomainRequest { DomainId = Id, AddressWidth = 57 });
        await _dma.AttachDeviceAsync(new AttachDeviceRequest { DomainId = Id, PciAddress = "0000:17:00.0" });
        await _dma.AttachDeviceAsync(new AttachDeviceRequest { DomainId = Id, PciAddress = "0000:17:00.1" });
        await _files.CreateFileAsync(new CreateFileRequest { Path = "/dma-destroyed", SizeBytes = 4 * MiB, Kind = FileKind.GuestMemory });
        var mapping = await _dma.MapAsync(Map(Id, 1UL << 56, "/dma-destroyed", 0, 4 * MiB, readable: false, writable: true));
        Assert.True(mapping.Pages2M == 2 && !mapping.Readable && mapping.Writable, $"mapped: {mapping}");

        var detached = await _dma.DetachDeviceAsync(new DetachDeviceRequest { PciAddress = "0000:17:00.1" });
        Assert.Equal(["0000:17:00.0"], detached.Domain.Devices);
        var gone = await Assert.ThrowsAsync<RpcException>(() => _dma.TranslateAsync(new TranslateRequest { PciAddress = "0000:17:00.1", Iova = 1UL << 56 }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        // 57 bits: five levels, the 2 MiB leaf at level 2, after the root and context entries: six entries read.
        Assert.Equal(6u, (await _dma.TranslateAsync(new TranslateRequest { PciAddress = "0000:17:00.0", Iova = 1UL << 56 })).EntriesRead);

        var destroyed = await _dma.DestroyDomainAsync(new DestroyDomainRequest { DomainId = Id });
        Assert.True(destroyed.Domain.MappingCount == 1 && destroyed.Domain.Devices.Single() == "0000:17:00.0", $"destroyed: {destroyed}");
        Assert.Equal(0UL, (await _files.StatAsync(new StatRequest { Path = "/dma-destroyed" })).DmaMappedBytes);
        await _files.RemoveAsync(new RemoveRequest { Path = "/dma-destroyed" });
        var detachedWithIt = await Assert.ThrowsAsync<RpcException>(() => _dma.DetachDeviceAsync(new DetachDeviceRequest { PciAddress = "0000:17:00.0" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, detachedWithIt.StatusCode);
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Refusals))]
    public async Task Refused_AnswersItsStatusCode_AndChangesNothing(string name)
    {
        var (expected, call) = s_refusals[name];
        var before = await CaptureAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call(_dma));
        Assert.True(error.StatusCode == expected, $"{name}: expected {expected}, got {error.Status}");
        Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail), $"{name}: no error text");

        await AssertUnchangedAsync(before, name);
    }

    [RootFact(Timeout = 120_000)]
    public async Task OtherUid_ReadsEveryDomain_ButChangesOnlyItsOwn_AndMapsOnlyItsOwnFiles()
    {
        var before = await DmaSnapshot.CaptureAsync(_dma);
        var outcomes = await TestPeer.RunAsync(RunAs.Nobody, fixture.Daemon.SocketDirectory,
            "dma-domains",
            "dma-mappings 13",
            $"dma-translate 13 0x{SeededDaemon.MappedIova:x}",
            $"dma-map 13 0x40000000 {SeededDaemon.MappedFile} 2097152",
            $"dma-unmap 13 0x{SeededDaemon.MappedIova:x} 4194304",
            "dma-attach 13 0000:1e:00.0",
            $"dma-detach {SeededDaemon.Device}",
            "dma-destroy 13",
            "dma-create 31 0",
            "dma-create 31",
            $"dma-map 31 0x0 {SeededDaemon.MappedFile} 2097152",
            "create /nobodys-dma-ram 2097152 guest",
            "dma-map 31 0x0 /nobodys-dma-ram 2097152",
            "dma-attach 31 0000:1f:00.0",
            "dma-unmap 31 0x0 2097152",
            "dma-destroy 31");

        Assert.Equal(
            ["OK", "OK", "OK", "PermissionDenied", "PermissionDenied", "PermissionDenied", "PermissionDenied", "PermissionDenied", "PermissionDenied",
             "OK", "PermissionDenied", "OK", "OK", "OK", "OK", "OK"],
            outcomes.Select(o => o.Result));
        Assert.Contains("uid 65534 may not map into IOMMU domain 13: it belongs to uid 0", outcomes[3].Detail, StringComparison.Ordinal);
        Assert.Contains($"uid 65534 may not DMA-map '{SeededDaemon.MappedFile}'", outcomes[10].Detail, StringComparison.Ordinal);
        Assert.Equal("domain=31 owner=65534", outcomes[9].Detail);
        before.AssertUnchanged(await DmaSnapshot.CaptureAsync(_dma), "refused requests of uid 65534, and its own domain created and destroyed");
    }

    private static MapRequest Map(uint domain, ulong iova, string path, ulong fileOffset, ulong length, bool readable, bool writable) => new()
    {
        DomainId = domain, Iova = iova, Path = path, FileOffset = fileOffset, Length = length, Readable = readable, Writable = writable,
    };

    /// <summary>Translate by domain and by device both reach the file's byte at <paramref name="fileOffset"/> through its extents.</summary>
    private async Task AssertTranslatesAsync(
        uint domain, string device, ulong iova, FileInfo file, ulong fileOffset, ulong pageSize, bool writable, int levelsWalked, ulong physicalBase)
    {
        var extent = file.Extents.Single(e => e.FileOffset <= fileOffset && fileOffset < e.FileOffset + e.Length);
        var regionOffset = extent.RegionOffset + (fileOffset - extent.FileOffset);
        foreach (var (request, entries) in new[]
                 {
                     (new TranslateRequest { DomainId = domain, Iova = iova }, levelsWalked),
                     (new TranslateRequest { PciAddress = device, Iova = iova }, levelsWalked + 2), // + the root and context entries
                 })
        {
            var translation = await _dma.TranslateAsync(request);
            var because = $"{request} -> {translation}";
            Assert.True(translation.PhysicalAddress == physicalBase + regionOffset, because);
            Assert.True(translation.RegionOffset == regionOffset, because);
            Assert.True(translation.PageSize == pageSize && translation.EntriesRead == entries, because);
            Assert.True(translation.Readable && translation.Writable == writable, because);
            Assert.True(translation.DomainId == domain && translation.Iova == iova, because);
            Assert.True(translation.Path == file.Path && translation.FileOffset == fileOffset, because);
        }
    }

    private async Task<(RegionTree Tree, DmaSnapshot Dma)> CaptureAsync() =>
        (await RegionTree.CaptureAsync(_files), await DmaSnapshot.CaptureAsync(_dma));

    private async Task AssertUnchangedAsync((RegionTree Tree, DmaSnapshot Dma) before, string because)
    {
        before.Tree.AssertUnchanged(await RegionTree.CaptureAsync(_files), because);
        before.Dma.AssertUnchanged(await DmaSnapshot.CaptureAsync(_dma), because);
    }

    /// <summary>Map of the seeded mapping's exact request (domain 13, 0x200000, /seed/dma-ram, 4 MiB, read-write) as <paramref name="change"/> alters it.</summary>
    private static Func<DmaClient, Task> SeededMap(Action<MapRequest> change)
    {
        var request = Map(SeededDaemon.Domain, SeededDaemon.MappedIova, SeededDaemon.MappedFile, 0, 4 * MiB, readable: true, writable: true);
        change(request);
        return d => d.MapAsync(request).ResponseAsync;
    }
}
