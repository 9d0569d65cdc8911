using System.Security.Cryptography;
using LiveUpdate.Region.Dma;
using LiveUpdate.Region.Tests.Engine;

namespace LiveUpdate.Region.Tests.Dma;

/// <summary>Tables, devices and the replay record survive detach, a crash, and a simulated kexec (new boot id) byte for byte.</summary>
public sealed class DmaPersistenceTests
{
    private const long MiB = 1L << 20;

    [Fact]
    public void DetachCrashAndNewBoot_TablesIdenticalAndMappingsExactlyTheSame()
    {
        using var temp = new TempRegion(128 * MiB);
        IReadOnlyList<DmaMappingInfo> mappings;
        string tables;
        string domains;
        using (var region = temp.Format())
        {
            region.CreateFile("/memory", 64 * MiB, FileKind.GuestMemory);
            region.Dma.CreateDomain(4, 48, new DmaDomainOptions(107, Guid.NewGuid()));
            region.Dma.CreateDomain(5, 57);
            region.Dma.AttachDevice(4, PciAddress.Parse("0000:01:00.0"));
            region.Dma.AttachDevice(4, PciAddress.Parse("0000:01:00.1"));
            region.Dma.AttachDevice(5, PciAddress.Parse("0000:02:00.0"));
            region.Dma.Map(4, 0, "/memory", 0, 32 * MiB, readable: true, writable: true);
            region.Dma.Map(4, 0x1_0000_3000, "/memory", 40 * MiB, 12 * 4096, readable: true, writable: false);
            region.Dma.Map(5, 0xff_0000_0000, "/memory", 32 * MiB, 8 * MiB, readable: false, writable: true);
            mappings = [.. region.Dma.ListMappings(4), .. region.Dma.ListMappings(5)];
            tables = TableHashes(region);
            domains = Describe(region);
        }

        var crashed = temp.Attach();
        Assert.Equal(tables, TableHashes(crashed));
        Assert.Equal(mappings, [.. crashed.Dma.ListMappings(4), .. crashed.Dma.ListMappings(5)]);
        Assert.Equal(domains, Describe(crashed));
        RegionTesting.Crash(crashed); // abandoned, never disposed: the process died

        using (var region = temp.Attach())
        {
            region.RecordBoot(Guid.NewGuid()); // what the daemon does when the boot id changed: a kexec
            Assert.Equal(tables, TableHashes(region));
            Assert.Equal(mappings, [.. region.Dma.ListMappings(4), .. region.Dma.ListMappings(5)]);
            Assert.Equal(domains, Describe(region));
            var translation = region.Dma.Translate(PciAddress.Parse("0000:01:00.1"), 0x1_0000_5000);
            Assert.Equal(region.Dma.Translate(4, 0x1_0000_5000), translation with { EntriesRead = translation.EntriesRead - 2 });
            RegionTesting.AssertHealthy(region);
        }
    }

    [Fact]
    public void AttachAtAnotherPhysicalBase_IsRefused_NamingBothBases()
    {
        using var temp = new TempRegion();
        using (var region = temp.Format())
        {
            region.CreateFile("/memory", 4 * MiB, FileKind.GuestMemory);
            region.Dma.CreateDomain(1, 48);
            region.Dma.Map(1, 0, "/memory", 0, 4 * MiB, readable: true, writable: true);
        }

        using var device = LiveUpdate.Region.Devices.RegionDevice.Open(temp.Path, new() { SimulatedPhysicalBase = 0x2_0000_0000 });
        var ex = Assert.Throws<RegionException>(() => PersistentRegion.Attach(device));
        Assert.Contains("0x100000000", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0x200000000", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>SHA-256 of every page of every IOMMU inode, in inode order.</summary>
    internal static string TableHashes(PersistentRegion region)
    {
        var hashes = new List<string>();
        foreach (var file in region.List("/.iommu"))
        {
            foreach (var extent in file.Extents)
            {
                hashes.Add($"{file.Path}@{extent.RegionOffset:x}:{Convert.ToHexString(SHA256.HashData(region.Device.Span(extent.RegionOffset, (int)extent.Length)))}");
            }
        }

        return string.Join('\n', hashes);
    }

    private static string Describe(PersistentRegion region) =>
        string.Join('\n', region.Dma.ListDomains().Select(d => (d with { Devices = [] }).ToString() + string.Join(',', d.Devices)));
}
