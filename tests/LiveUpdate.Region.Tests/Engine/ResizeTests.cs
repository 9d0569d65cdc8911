using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

public sealed class ResizeTests : IDisposable
{
    private readonly TempRegion _temp = new(256 * MiB);
    private readonly PersistentRegion _region;

    public ResizeTests()
    {
        _region = _temp.Format();
    }

    [Fact]
    public void Grow_GuestMemoryWithFreeGranulesAfterIt_StaysOneExtentInPlace()
    {
        var before = _region.CreateFile("/mem", 2 * MiB, FileKind.GuestMemory);
        var free = _region.GetStatistics().LargeFreeBytes;

        var after = _region.Resize("/mem", 64 * MiB);

        var extent = Assert.Single(after.Extents);
        Assert.Equal(before.Extents[0].RegionOffset, extent.RegionOffset);
        Assert.Equal(new Extent(0, before.Extents[0].RegionOffset, 64 * MiB), extent);
        Assert.Equal(64 * MiB, after.Size);
        Assert.Equal(64 * MiB, after.AllocatedBytes);
        Assert.Equal(free - (62 * MiB), _region.GetStatistics().LargeFreeBytes);
        AssertHealthy(_region);
    }

    [Fact]
    public void Grow_GuestMemoryBlockedByANeighbour_AppendsAnExtentAndKeepsTheData()
    {
        var mem = _region.CreateFile("/mem", 2 * MiB, FileKind.GuestMemory);
        _region.CreateFile("/neighbour", 2 * MiB, FileKind.GuestMemory);
        _region.Device.Span(mem.Extents[0].RegionOffset, 4096).Fill(0x5A);

        var after = _region.Resize("/mem", 6 * MiB);

        Assert.Equal(2, after.Extents.Count);
        Assert.Equal(mem.Extents[0], after.Extents[0]);
        Assert.Equal(2 * MiB, after.Extents[1].FileOffset);
        Assert.Equal(4 * MiB, after.Extents[1].Length);
        Assert.All(ReadFile(_region, after, 0, 4096), b => Assert.Equal(0x5A, b));
        AssertHealthy(_region);
    }

    [Fact]
    public void Shrink_GuestMemory_FreesTheTailGranules()
    {
        var before = _region.CreateFile("/mem", 16 * MiB, FileKind.GuestMemory);
        var statistics = _region.GetStatistics();

        var after = _region.Resize("/mem", 4 * MiB);

        Assert.Equal(new Extent(0, before.Extents[0].RegionOffset, 4 * MiB), Assert.Single(after.Extents));
        var now = _region.GetStatistics();
        Assert.Equal(statistics.FreeBytes + (12 * MiB), now.FreeBytes);
        Assert.Equal(statistics.LargeFreeBytes + (12 * MiB), now.LargeFreeBytes);
        Assert.Equal(statistics.FileBytes - (12 * MiB), now.FileBytes);
        Assert.Equal(statistics.UsedBytes - (12 * MiB), now.UsedBytes);
        AssertHealthy(_region);
    }

    [Fact]
    public void Shrink_Blob_FreesWholePagesOnly()
    {
        _region.CreateFile("/blob", MiB, FileKind.Blob);
        var statistics = _region.GetStatistics();

        var after = _region.Resize("/blob", 5000);

        Assert.Equal(5000, after.Size);
        Assert.Equal(8192, after.AllocatedBytes);
        Assert.Equal(statistics.FreeBytes + MiB - 8192, _region.GetStatistics().FreeBytes);
        AssertHealthy(_region);
    }

    [Fact]
    public void Shrink_BlobToZero_HoldsNoSpace_AndGrowsAgain()
    {
        _region.CreateFile("/blob", 3 * MiB, FileKind.Blob);
        var empty = _region.Resize("/blob", 0);
        Assert.Empty(empty.Extents);
        Assert.Equal(0, empty.AllocatedBytes);
        Assert.Equal(0, _region.GetStatistics().FileBytes);

        var grown = _region.Resize("/blob", 10000);
        Assert.Equal(12288, grown.AllocatedBytes);
        AssertHealthy(_region);
    }

    [Theory]
    [InlineData(FileKind.Blob)]
    [InlineData(FileKind.DeviceState)]
    [InlineData(FileKind.IommuPageTable)]
    public void Resize_SmallFiles_RoundAllocationUpTo4KiB(FileKind kind)
    {
        _region.CreateFile("/f", 0, kind);
        foreach (var size in new long[] { 4096, 3 * 4096, 100 * 4096, 4096, 0, MiB, 5 * MiB, 8192 })
        {
            var file = _region.Resize("/f", size);
            Assert.Equal(size, file.Size);
            Assert.Equal(size, file.AllocatedBytes);
            Assert.Equal(size, file.Extents.Sum(e => e.Length));
            Assert.All(file.Extents, e => Assert.Equal(0, e.RegionOffset % 4096));
            AssertHealthy(_region);
        }
    }

    [Fact]
    public void Resize_ToTheSameSize_KeepsTheSpace()
    {
        var before = _region.CreateFile("/mem", 4 * MiB, FileKind.GuestMemory);
        var after = _region.Resize("/mem", 4 * MiB);
        Assert.Equal(before.Extents, after.Extents);
        AssertHealthy(_region);
    }

    [Fact]
    public void Resize_SurvivesReattach()
    {
        _region.CreateFile("/mem", 2 * MiB, FileKind.GuestMemory);
        _region.CreateFile("/blob", 100, FileKind.Blob);
        _region.Resize("/mem", 10 * MiB);
        _region.Resize("/blob", 7000);
        var expected = RegionSnapshot.Take(_region);
        _region.Dispose();

        using var again = _temp.Attach();
        var actual = RegionSnapshot.Take(again);
        Assert.Equal(expected.Tree, actual.Tree);
        Assert.Equal(expected.Files, actual.Files);
        AssertHealthy(again);
    }

    [Fact]
    public void Grow_GuestMemoryIntoAFragmentedPool_UsesOverflowExtentBlocks()
    {
        // 1 + 2·k single-granule files, every other one removed: k separate free granules.
        const int Holes = 12;
        for (var i = 0; i < 2 * Holes; i++)
        {
            _region.CreateFile($"/g{i}", 2 * MiB, FileKind.GuestMemory);
        }

        _region.CreateFile("/rest", _region.GetStatistics().LargeFreeBytes, FileKind.GuestMemory);
        for (var i = 0; i < 2 * Holes; i += 2)
        {
            _region.Remove($"/g{i}");
        }

        var mem = _region.CreateFile("/mem", 2 * MiB, FileKind.GuestMemory);
        Assert.Single(mem.Extents);
        var metadata = _region.GetStatistics().MetadataBytes;
        var grown = _region.Resize("/mem", Holes * 2 * MiB);
        Assert.Equal(Holes, grown.Extents.Count);
        Assert.Equal(metadata + 4096, _region.GetStatistics().MetadataBytes); // one overflow extent block
        AssertHealthy(_region);

        var shrunk = _region.Resize("/mem", 2 * MiB);
        Assert.Single(shrunk.Extents);
        Assert.Equal(metadata, _region.GetStatistics().MetadataBytes);
        AssertHealthy(_region);
        _region.Dispose();

        using var again = _temp.Attach();
        Assert.Single(again.Stat("/mem").Extents);
        AssertHealthy(again);
    }

    public void Dispose()
    {
        _region.Dispose();
        _temp.Dispose();
    }
}
