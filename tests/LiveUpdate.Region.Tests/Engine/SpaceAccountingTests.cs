using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

/// <summary>The in-memory free space always equals what attach derives from the region (Check compares them).</summary>
public sealed class SpaceAccountingTests
{
    [Theory]
    [InlineData(2_461_830L)]       // found by the model test: 602 pages, more than the first granule's free tail
    [InlineData((2L << 20) + 4096)]
    [InlineData(5L << 20)]
    public void CreateSmallFileLargerThanTheFreeTail_LeavesNoWhollyFreeGranuleBehind(long size)
    {
        using var temp = new TempRegion(256 * MiB);
        using var region = temp.Format();
        var largeBefore = region.GetStatistics().LargeFreeBytes;

        var file = region.CreateFile("/b", size, FileKind.Blob);

        AssertHealthy(region);
        var statistics = region.GetStatistics();
        Assert.True(statistics.SmallFreeBytes < 2 * MiB, $"{statistics.SmallFreeBytes} bytes free in the small pool: a whole granule was kept there");
        Assert.Equal(largeBefore - FreeSpaceRoundedToGranules(file.AllocatedBytes - (2 * MiB - (256 * 1024))), statistics.LargeFreeBytes);
        region.Remove("/b");
        Assert.Equal(largeBefore, region.GetStatistics().LargeFreeBytes);
        AssertHealthy(region);
    }

    private static long FreeSpaceRoundedToGranules(long bytesPastTheFirstGranule) =>
        (bytesPastTheFirstGranule + Granule - 1) / Granule * Granule;
}
