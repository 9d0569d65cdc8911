using LiveUpdate.Region.Tests.Engine;

namespace LiveUpdate.Region.Tests.Dma;

/// <summary>
/// Random map/unmap sequences against a model: after every step, <see cref="Region.Dma.DmaRecord.Translate(ushort, ulong)"/>
/// (a real walk of the VT-d tables in the region) agrees with the model at every mapped page boundary and just
/// outside every mapping, the replay record lists exactly the model's mappings, and check is clean.
/// </summary>
public sealed class DmaRoundTripTests
{
    private const long MiB = 1L << 20;
    private const long GiB = 1L << 30;

    [Theory]
    [InlineData(48, 1)]
    [InlineData(39, 2)]
    [InlineData(57, 3)]
    public void RandomMapUnmap_TranslateAgreesWithTheModel(int width, int seed)
    {
        using var temp = new TempRegion(256 * MiB);
        using var region = temp.Format();
        region.MakeDirectory("/vm");
        region.CreateFile("/vm/memory", 64 * MiB, FileKind.GuestMemory);
        var file = region.Stat("/vm/memory");
        region.Dma.CreateDomain(7, width);
        var random = new Random(seed);
        var model = new List<(ulong Iova, long Length, long FileOffset, bool Read, bool Write)>();
        for (var step = 0; step < 120; step++)
        {
            if (model.Count > 0 && random.Next(3) == 0)
            {
                var victim = model[random.Next(model.Count)];
                var unmapped = region.Dma.Unmap(7, victim.Iova, victim.Length);
                Assert.Equal(victim.Iova, Assert.Single(unmapped).Iova);
                model.Remove(victim);
            }
            else
            {
                // 4 KiB-granular and 2 MiB-granular lengths and offsets, so that all leaf sizes appear.
                var large = random.Next(2) == 0;
                var unit = large ? 2 * MiB : 4096;
                var length = unit * random.Next(1, large ? 4 : 40);
                var fileOffset = unit * random.NextInt64(0, ((64 * MiB) - length) / unit + 1);
                var iova = (ulong)(unit * random.NextInt64(0, (1L << 34) / unit)) + (random.Next(4) == 0 ? (ulong)GiB * 3 : 0);
                var read = random.Next(4) != 0;
                var write = !read || random.Next(2) == 0;
                var overlaps = model.Any(m => iova < m.Iova + (ulong)m.Length && m.Iova < iova + (ulong)length);
                if (overlaps)
                {
                    Assert.Equal(RegionError.AlreadyExists, Assert.Throws<RegionException>(() => region.Dma.Map(7, iova, "/vm/memory", fileOffset, length, read, write)).Error);
                    continue;
                }

                region.Dma.Map(7, iova, "/vm/memory", fileOffset, length, read, write);
                model.Add((iova, length, fileOffset, read, write));
            }

            if (step % 10 == 0 || step == 119)
            {
                AssertMatchesModel(region, file, model);
            }
        }

        foreach (var mapping in model.ToList())
        {
            region.Dma.Unmap(7, mapping.Iova, mapping.Length);
        }

        var domain = region.Dma.GetDomain(7);
        Assert.Equal(0, domain.MappingCount);
        Assert.Equal(1, domain.TablePages); // the top-level table stays for the domain's life
        Assert.Equal(0, region.Stat("/vm/memory").DmaMappedBytes);
        RegionTesting.AssertHealthy(region);
    }

    [Fact]
    public void AlignedGuestMemory_Uses1GiBAnd2MiBLeaves()
    {
        using var temp = new TempRegion(3 * GiB);
        using var region = temp.Format();
        region.CreateFile("/memory", 2 * GiB, FileKind.GuestMemory);
        var extent = region.Stat("/memory").Extents[0];
        Assert.Equal(0, extent.RegionOffset % GiB);
        region.Dma.CreateDomain(1, 48);

        var whole = region.Dma.Map(1, 0x40_0000_0000, "/memory", 0, 2 * GiB, readable: true, writable: true);
        Assert.Equal((0, 0, 2), (whole.Pages4K, whole.Pages2M, whole.Pages1G));
        var pieces = region.Dma.Map(1, 0x80_0020_0000, "/memory", 2 * MiB, GiB, readable: true, writable: false);
        Assert.Equal((0, 512, 0), (pieces.Pages4K, pieces.Pages2M, pieces.Pages1G));

        var translation = region.Dma.Translate(1, 0x40_4000_1234);
        Assert.Equal(GiB, translation.PageSize);
        Assert.Equal(0x1_0000_0000UL + (ulong)extent.RegionOffset + (ulong)GiB + 0x1234, translation.PhysicalAddress);
        Assert.Equal(2 * MiB, region.Dma.Translate(1, 0x80_0020_0000).PageSize);
        Assert.False(region.Dma.Translate(1, 0x80_0020_0000).Writable);
        // The 1 GiB leaves need the PML4 and one PDPT; the 2 MiB ones (PML4 index 1) a second PDPT and two PDs, because
        // 0x80_0020_0000 + 1 GiB crosses a 1 GiB boundary.
        Assert.Equal(5, region.Dma.GetDomain(1).TablePages);
        RegionTesting.AssertHealthy(region);
    }

    private static void AssertMatchesModel(PersistentRegion region, RegionFileInfo file, List<(ulong Iova, long Length, long FileOffset, bool Read, bool Write)> model)
    {
        var sorted = model.OrderBy(m => m.Iova).ToList();
        var record = region.Dma.ListMappings(7);
        Assert.Equal(sorted.Select(m => (m.Iova, m.Length, m.FileOffset, m.Read, m.Write)), record.Select(m => (m.Iova, m.Length, m.FileOffset, m.Readable, m.Writable)));
        foreach (var mapping in sorted)
        {
            for (long at = 0; at < mapping.Length; at += at < 8 * 4096 || mapping.Length - at <= 8 * 4096 ? 4096 : 509 * 4096)
            {
                var translation = region.Dma.Translate(7, mapping.Iova + (ulong)at);
                Assert.Equal(PhysicalOf(file, mapping.FileOffset + at), translation.PhysicalAddress);
                Assert.Equal((mapping.Read, mapping.Write), (translation.Readable, translation.Writable));
                Assert.Equal("/vm/memory", translation.Path);
            }

            AssertUnmapped(region, sorted, mapping.Iova - 4096);
            AssertUnmapped(region, sorted, mapping.Iova + (ulong)mapping.Length);
        }

        Assert.Equal(
            ModelMappedBytes(sorted),
            region.Stat("/vm/memory").DmaMappedBytes);
        RegionTesting.AssertHealthy(region);
    }

    private static void AssertUnmapped(PersistentRegion region, List<(ulong Iova, long Length, long FileOffset, bool Read, bool Write)> model, ulong iova)
    {
        if (iova >= 1UL << 39 || model.Any(m => iova >= m.Iova && iova < m.Iova + (ulong)m.Length))
        {
            return;
        }

        Assert.Equal(RegionError.NotFound, Assert.Throws<RegionException>(() => region.Dma.Translate(7, iova)).Error);
    }

    private static long ModelMappedBytes(List<(ulong Iova, long Length, long FileOffset, bool Read, bool Write)> model)
    {
        var covered = new HashSet<long>();
        foreach (var m in model)
        {
            for (var page = m.FileOffset; page < m.FileOffset + m.Length; page += 4096)
            {
                covered.Add(page);
            }
        }

        return covered.Count * 4096L;
    }

    /// <summary>The simulated physical address of a file offset: base + the extent's region offset.</summary>
    public static ulong PhysicalOf(RegionFileInfo file, long fileOffset)
    {
        var extent = file.Extents.First(e => fileOffset >= e.FileOffset && fileOffset < e.FileOffset + e.Length);
        return 0x1_0000_0000UL + (ulong)(extent.RegionOffset + (fileOffset - extent.FileOffset));
    }
}
