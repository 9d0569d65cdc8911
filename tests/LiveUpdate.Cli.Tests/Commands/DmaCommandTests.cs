using System.Text.Json;
using LiveUpdate.Cli.Tests.Infrastructure;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Tests.Commands;

/// <summary>
/// The dma commands against a real daemon: create-domain, attach, map, ls, mappings, translate (from a domain and from a
/// device, IOVAs in hex and decimal), unmap, detach, destroy; the facts in the text, the JSON fields, and the exit codes
/// of refusals.
/// </summary>
[Collection(CliCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class DmaCommandTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private const string Vm = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    private const ulong MiB = DaemonFixture.MiB;

    [Fact(Timeout = 120_000)]
    public async Task Dma_CreateAttachMapListTranslateUnmapDetachDestroy_PrintTheFacts_AndJsonMatchesTheDaemon()
    {
        await fixture.Client.MakeDirectoryAsync("/dma-cli");
        var file = await fixture.Client.CreateFileAsync("/dma-cli/ram", 8 * MiB, FileKind.GuestMemory);
        var region = await fixture.Client.GetRegionAsync();

        var created = await fixture.RunAsync("dma", "create-domain", "5", "--width", "48", "--vm", Vm);
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Matches($@"^created IOMMU domain 5: 48-bit \(4 levels\), top table at 0x[0-9a-f]+, owner \d+, VM {Vm}\n$", created.Stdout);
        var narrow = (await fixture.RunAsync("dma", "create-domain", "6", "--width", "39", "--json")).Json;
        Assert.Equal(6U, narrow.GetProperty("id").GetUInt32());
        Assert.Equal(39U, narrow.GetProperty("address_width").GetUInt32());
        Assert.Equal(3U, narrow.GetProperty("levels").GetUInt32());
        Assert.Equal("/.iommu/domain-6", narrow.GetProperty("path").GetString());

        var attached = await fixture.RunAsync("dma", "attach", "5", "0000:01:00.0");
        Assert.True(attached.ExitCode == 0, attached.ToString());
        Assert.StartsWith("attached 0000:01:00.0 to IOMMU domain 5\n", attached.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  root entry +0x0{16} 0x[0-9a-f]{13}001 \(high, low\)$", attached.Stdout);
        Assert.Matches(@"(?m)^  context entry +0x0{12}0502 0x[0-9a-f]{13}001 \(high, low\)$", attached.Stdout);
        var attachJson = (await fixture.RunAsync("dma", "attach", "6", "0000:01:00.1", "--json")).Json;
        Assert.Equal("0000:01:00.1", attachJson.GetProperty("pci_address").GetString());
        Assert.Equal(0x601UL, attachJson.GetProperty("context_entry_high").GetUInt64()); // 39 bits: AW 1; domain 6
        Assert.Equal(narrow.GetProperty("top_table_physical").GetUInt64() | 1, attachJson.GetProperty("context_entry_low").GetUInt64());
        Assert.Equal(attachJson.GetProperty("context_table_physical_address").GetUInt64() | 1, attachJson.GetProperty("root_entry_low").GetUInt64());
        foreach (var field in new[] { "domain", "root_table_physical_address", "root_entry_high" })
        {
            Assert.True(attachJson.TryGetProperty(field, out _), $"no {field} in {attachJson}");
        }

        var mapped = await fixture.RunAsync("dma", "map", "5", "0x40000000", "/dma-cli/ram");
        Assert.True(mapped.ExitCode == 0, mapped.ToString());
        Assert.Equal("mapped in IOMMU domain 5: IOVA 0x40000000-0x40800000 (8.0 MiB) -> /dma-cli/ram at 0x0, read-write (4×2M)\n", mapped.Stdout);
        var small = (await fixture.RunAsync("dma", "map", "6", "4096", "/dma-cli/ram", "--offset", "2M", "--length", "0x10000", "--read-only", "--json")).Json;
        Assert.Equal(4096UL, small.GetProperty("iova").GetUInt64());
        Assert.Equal(2 * MiB, small.GetProperty("file_offset").GetUInt64());
        Assert.Equal(16UL, small.GetProperty("pages_4k").GetUInt64());
        Assert.True(small.GetProperty("readable").GetBoolean());
        Assert.False(small.GetProperty("writable").GetBoolean());

        var domains = await fixture.Client.ListDomainsAsync();
        var ls = await fixture.RunAsync("dma", "ls");
        Assert.True(ls.ExitCode == 0, ls.ToString());
        Assert.StartsWith($"root table: 0x{domains.RootTablePhysicalAddress:x} (physical)\n", ls.Stdout, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^ +5 +48 +4 +0000:01:00\.0 +1 +8\.0 MiB +\d+ +0x[0-9a-f]+ +\d+ +{Vm}$", ls.Stdout);
        Assert.Matches(@"(?m)^ +6 +39 +3 +0000:01:00\.1 +1 +64\.0 KiB +\d+ +0x[0-9a-f]+ +\d+ +-$", ls.Stdout);
        var lsJson = (await fixture.RunAsync("dma", "ls", "--json")).Json;
        Assert.Equal(domains.RootTablePhysicalAddress, lsJson.GetProperty("root_table_physical_address").GetUInt64());
        var five = lsJson.GetProperty("domains").EnumerateArray().Single(d => d.GetProperty("id").GetUInt32() == 5);
        Assert.Equal(["0000:01:00.0"], five.GetProperty("devices").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(8 * MiB, five.GetProperty("mapped_bytes").GetUInt64());
        Assert.Equal(Vm, five.GetProperty("vm_uuid").GetString());
        foreach (var field in new[] { "address_width", "levels", "mapping_count", "table_pages", "top_table_physical", "owner_uid", "path", "created_at" })
        {
            Assert.True(five.TryGetProperty(field, out _), $"no {field} in {five}");
        }

        var mappings = await fixture.RunAsync("dma", "mappings", "5");
        Assert.True(mappings.ExitCode == 0, mappings.ToString());
        Assert.StartsWith("domain 5: 1 mapping, 8.0 MiB\n", mappings.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^0x40000000 +0x800000 +8\.0 MiB +rw +0x0 +4×2M +/dma-cli/ram$", mappings.Stdout);
        var mappingsJson = (await fixture.RunAsync("dma", "mappings", "6", "--json")).Json;
        Assert.Equal(6U, mappingsJson.GetProperty("domain_id").GetUInt32());
        var only = Assert.Single(mappingsJson.GetProperty("mappings").EnumerateArray().ToArray());
        Assert.Equal("/dma-cli/ram", only.GetProperty("path").GetString());
        Assert.Equal(0x10000UL, only.GetProperty("length").GetUInt64());

        var expected = region.PhysicalBase + RegionOffset(file, 0x1234);
        var translated = await fixture.RunAsync("dma", "translate", "--domain", "5", "0x40001234");
        Assert.True(translated.ExitCode == 0, translated.ToString());
        Assert.Matches(@"(?m)^walk +from domain 5's top-level table, 3 entries read$", translated.Stdout);
        Assert.Matches($@"(?m)^physical address +0x{expected:x}$", translated.Stdout);
        Assert.Matches(@"(?m)^page size +2\.0 MiB$", translated.Stdout);
        Assert.Matches(@"(?m)^permissions +read-write$", translated.Stdout);
        Assert.Matches(@"(?m)^file +/dma-cli/ram at offset 0x1234$", translated.Stdout);
        var byDevice = (await fixture.RunAsync("dma", "translate", "--device", "0000:01:00.1", "4101", "--json")).Json; // 0x1005
        Assert.Equal(region.PhysicalBase + RegionOffset(file, (2 * MiB) + 5), byDevice.GetProperty("physical_address").GetUInt64());
        Assert.Equal(4096UL, byDevice.GetProperty("page_size").GetUInt64());
        Assert.Equal(5U, byDevice.GetProperty("entries_read").GetUInt32()); // root, context, then 3 levels
        Assert.Equal(6U, byDevice.GetProperty("domain_id").GetUInt32());
        Assert.False(byDevice.GetProperty("writable").GetBoolean());

        Assert.Matches(@"(?m)^dma mapped +8\.0 MiB$", (await fixture.RunAsync("stat", "/dma-cli/ram")).Stdout);
        var pinned = await fixture.RunAsync("rm", "/dma-cli/ram");
        FilesCommandTests.AssertOneLineError(pinned, 4, "luctl: rm: FAILED_PRECONDITION: cannot remove '/dma-cli/ram': it is DMA-mapped (domain 5 maps IOVA 0x40000000");
        Assert.Contains("'luctl dma unmap' releases it", pinned.Stderr, StringComparison.Ordinal);

        var unmapped = await fixture.RunAsync("dma", "unmap", "5", "0x40000000", "8M");
        Assert.Equal("unmapped 1 mapping from IOMMU domain 5:\n  IOVA 0x40000000-0x40800000 (8.0 MiB) -> /dma-cli/ram at 0x0, read-write\n", unmapped.Stdout);
        var detached = await fixture.RunAsync("dma", "detach", "0000:01:00.0");
        Assert.Equal("detached 0000:01:00.0 from IOMMU domain 5 (devices left: none)\n", detached.Stdout);
        var destroyedJson = (await fixture.RunAsync("dma", "destroy", "6", "--json")).Json.GetProperty("domain");
        Assert.Equal(6U, destroyedJson.GetProperty("id").GetUInt32());
        Assert.Equal(1UL, destroyedJson.GetProperty("mapping_count").GetUInt64());
        Assert.Equal(["0000:01:00.1"], destroyedJson.GetProperty("devices").EnumerateArray().Select(d => d.GetString()));
        var destroyed = await fixture.RunAsync("dma", "destroy", "5");
        Assert.Equal("destroyed IOMMU domain 5: 0 mappings (0 B) removed, devices detached: none\n", destroyed.Stdout);

        var empty = await fixture.RunAsync("dma", "mappings", "5");
        FilesCommandTests.AssertOneLineError(empty, 1, "luctl: dma mappings: NOT_FOUND: domain 5 does not exist; see 'luctl dma ls'");
        Assert.True((await fixture.RunAsync("rm", "/dma-cli/ram")).ExitCode == 0);
    }

    [Fact(Timeout = 60_000)]
    public async Task Dma_Refusals_AreOneLine_WithTheStatusAndTheDocumentedExitCode()
    {
        await fixture.Client.CreateFileAsync("/dma-refused-ram", 4 * MiB, FileKind.GuestMemory);
        await fixture.Client.CreateFileAsync("/dma-refused-state", 4096, FileKind.DeviceState);
        Assert.True((await fixture.RunAsync("dma", "create-domain", "7")).ExitCode == 0);
        Assert.True((await fixture.RunAsync("dma", "map", "7", "0x200000", "/dma-refused-ram", "--length", "2M")).ExitCode == 0);
        var before = JsonDocument.Parse((await fixture.RunAsync("dma", "mappings", "7", "--json")).Stdout).RootElement.ToString();

        FilesCommandTests.AssertOneLineError(await fixture.RunAsync("dma", "create-domain", "7"), 1, "luctl: dma create-domain: ALREADY_EXISTS: domain 7 exists");
        FilesCommandTests.AssertOneLineError(
            await fixture.RunAsync("dma", "map", "7", "0x200000", "/dma-refused-ram", "--offset", "2M"), 1, "luctl: dma map: ALREADY_EXISTS: IOVA 0x200000");
        FilesCommandTests.AssertOneLineError(
            await fixture.RunAsync("dma", "map", "7", "0x1001", "/dma-refused-ram", "--length", "4K"), 2, "luctl: dma map: INVALID_ARGUMENT: IOVA 0x1001 is not 4 KiB aligned");
        FilesCommandTests.AssertOneLineError(
            await fixture.RunAsync("dma", "map", "7", "0x0", "/dma-refused-state", "--length", "4K"), 4, "luctl: dma map: FAILED_PRECONDITION: ");
        FilesCommandTests.AssertOneLineError(
            await fixture.RunAsync("dma", "map", "7", "0x0", "/dma-refused-ram", "--offset", "4M"), 2, "luctl: dma map: --offset 0x400000 is at or past the end");
        FilesCommandTests.AssertOneLineError(await fixture.RunAsync("dma", "unmap", "7", "0x200000", "1M"), 2, "luctl: dma unmap: INVALID_ARGUMENT: ");
        FilesCommandTests.AssertOneLineError(await fixture.RunAsync("dma", "translate", "--domain", "7", "0x0"), 1, "luctl: dma translate: NOT_FOUND: IOVA 0x0 is not mapped");
        FilesCommandTests.AssertOneLineError(await fixture.RunAsync("dma", "attach", "4242", "0000:03:00.0"), 1, "luctl: dma attach: NOT_FOUND: domain 4242 does not exist");
        FilesCommandTests.AssertOneLineError(await fixture.RunAsync("dma", "attach", "7", "0001:03:00.0"), 2, "luctl: dma attach: INVALID_ARGUMENT: 0001:03:00.0: only PCI segment 0000");
        FilesCommandTests.AssertOneLineError(await fixture.RunAsync("dma", "detach", "0000:03:00.0"), 1, "luctl: dma detach: NOT_FOUND: 0000:03:00.0 is not attached");

        Assert.Equal(before, JsonDocument.Parse((await fixture.RunAsync("dma", "mappings", "7", "--json")).Stdout).RootElement.ToString());
        Assert.True((await fixture.RunAsync("dma", "destroy", "7")).ExitCode == 0);
        await fixture.Client.RemoveAsync("/dma-refused-ram");
        await fixture.Client.RemoveAsync("/dma-refused-state");
    }

    /// <summary>The region offset of <paramref name="fileOffset"/> through the file's extents.</summary>
    private static ulong RegionOffset(LiveUpdate.Protocol.V1.FileInfo file, ulong fileOffset)
    {
        var extent = file.Extents.Single(e => e.FileOffset <= fileOffset && fileOffset < e.FileOffset + e.Length);
        return extent.RegionOffset + (fileOffset - extent.FileOffset);
    }
}
