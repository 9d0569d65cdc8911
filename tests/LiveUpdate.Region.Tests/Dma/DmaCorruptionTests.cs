using LiveUpdate.Region.Dma;

namespace LiveUpdate.Region.Tests.Dma;

/// <summary>
/// A flipped bit in any page of the IOMMU structures — root table, context table, every second-level level, the
/// domain page, the mapping blocks — is found by check (naming the IOMMU inode) and makes attach refuse.
/// </summary>
public sealed class DmaCorruptionTests
{
    private const long MiB = 1L << 20;

    [Fact]
    public void AnyBitFlipInAnyIommuPage_IsFoundByCheck_AndAttachRefuses()
    {
        using var temp = new TempRegion();
        List<long> pages;
        using (var region = temp.Format())
        {
            region.CreateFile("/memory", 8 * MiB, FileKind.GuestMemory);
            region.Dma.CreateDomain(6, 48);
            region.Dma.AttachDevice(6, PciAddress.Parse("0000:05:00.0"));
            region.Dma.Map(6, 0x20_0000, "/memory", 0, 4 * MiB, readable: true, writable: true);
            region.Dma.Map(6, 0x8000_3000, "/memory", 4 * MiB, 3 * 4096, readable: true, writable: false);
            pages = region.List("/.iommu").SelectMany(f => f.Extents).SelectMany(e => Enumerable.Range(0, (int)(e.Length / 4096)).Select(i => e.RegionOffset + (i * 4096L))).ToList();
            Assert.True(region.Check().Clean);
        }

        var random = new Random(5);
        var flips = 0;
        using var device = temp.OpenDevice();
        foreach (var page in pages)
        {
            // Every page: bits in its first entries (where the present entries of small tables are), and random ones.
            var bits = Enumerable.Range(0, 24).Select(i => (i * 67) % 512).Concat(Enumerable.Range(0, 24).Select(_ => random.Next(4096 * 8)));
            foreach (var bit in bits)
            {
                var at = page + (bit / 8);
                var mask = (byte)(1 << (bit % 8));
                device.Span(at, 1)[0] ^= mask;
                try
                {
                    var report = PersistentRegion.CheckDetached(device);
                    Assert.False(report.Clean, $"a flip of bit {bit % 8} at 0x{at:x} (page 0x{page:x}) was not found");
                    Assert.Contains(report.Problems, p => p.Structure.StartsWith("IOMMU table", StringComparison.Ordinal));
                    Assert.Equal(RegionError.Corrupt, Assert.Throws<RegionException>(() => PersistentRegion.Attach(device)).Error);
                    flips++;
                }
                finally
                {
                    device.Span(at, 1)[0] ^= mask;
                }
            }
        }

        Assert.True(PersistentRegion.CheckDetached(device).Clean);
        Assert.True(flips >= pages.Count * 48, $"{flips} flips");
    }
}
