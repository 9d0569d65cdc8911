using LiveUpdate.Region.Tests.Engine;

namespace LiveUpdate.Region.Tests.Dma;

/// <summary>A mapped file's extents are pinned: shrinking or removing it fails naming the domain and IOVA, until the unmap.</summary>
public sealed class DmaPinningTests
{
    private const long MiB = 1L << 20;

    [Fact]
    public void MappedFile_ResizeAndRemoveRefused_AllowedAfterUnmap()
    {
        using var temp = new TempRegion();
        using var region = temp.Format();
        region.CreateFile("/memory", 8 * MiB, FileKind.GuestMemory);
        region.Dma.CreateDomain(9, 48);
        region.Dma.Map(9, 0x10_0000, "/memory", 4 * MiB, 2 * MiB, readable: true, writable: true);
        Assert.Equal(2 * MiB, region.Stat("/memory").DmaMappedBytes);

        var shrink = RegionTesting.AssertFailsWithoutChange(region, RegionError.FailedPrecondition, () => region.Resize("/memory", 4 * MiB));
        Assert.Contains("domain 9", shrink.Message, StringComparison.Ordinal);
        Assert.Contains("0x100000", shrink.Message, StringComparison.Ordinal);
        var remove = RegionTesting.AssertFailsWithoutChange(region, RegionError.FailedPrecondition, () => region.Remove("/memory"));
        Assert.Contains("domain 9", remove.Message, StringComparison.Ordinal);

        // Space the mapping does not reach may still go, and the file may grow or move.
        region.Resize("/memory", 6 * MiB);
        region.Resize("/memory", 10 * MiB);
        region.Rename("/memory", "/moved");
        Assert.Equal("/moved", Assert.Single(region.Dma.ListMappings(9)).Path);

        region.Dma.Unmap(9, 0x10_0000, 2 * MiB);
        Assert.Equal(0, region.Stat("/moved").DmaMappedBytes);
        region.Resize("/moved", 2 * MiB);
        region.Remove("/moved");
        RegionTesting.AssertHealthy(region);
    }

    [Fact]
    public void DestroyDomain_ReleasesItsPins_AndItsPages()
    {
        using var temp = new TempRegion();
        using var region = temp.Format();
        region.CreateFile("/memory", 4 * MiB, FileKind.GuestMemory);
        var free = region.GetStatistics().FreeBytes;
        region.Dma.CreateDomain(2, 39);
        region.Dma.AttachDevice(2, LiveUpdate.Region.Dma.PciAddress.Parse("0000:00:1f.6"));
        region.Dma.Map(2, 0, "/memory", 0, 4 * MiB, readable: true, writable: true);
        region.Dma.Map(2, 0x4000_0000, "/memory", 4096, 4096, readable: true, writable: false);

        region.Dma.DestroyDomain(2);
        Assert.Empty(region.Dma.ListDomains());
        Assert.Equal(0, region.Stat("/memory").DmaMappedBytes);
        region.Remove("/memory");
        Assert.Equal(RegionError.NotFound, Assert.Throws<RegionException>(() => region.Dma.Translate(LiveUpdate.Region.Dma.PciAddress.Parse("0000:00:1f.6"), 0)).Error);
        // Only the /.iommu directory and the (now empty) root table remain of the Dma structures.
        Assert.True(region.GetStatistics().FreeBytes >= free - (2 * 4096) + (4 * MiB));
        RegionTesting.AssertHealthy(region);
    }

    [Fact]
    public void DmaDirectory_IsNotChangedThroughFileOperations()
    {
        using var temp = new TempRegion();
        using var region = temp.Format();
        region.Dma.CreateDomain(1, 48);

        RegionTesting.AssertFailsWithoutChange(region, RegionError.FailedPrecondition, () => region.Remove("/.iommu/domain-1"));
        RegionTesting.AssertFailsWithoutChange(region, RegionError.FailedPrecondition, () => region.Resize("/.iommu/domain-1", 0));
        RegionTesting.AssertFailsWithoutChange(region, RegionError.FailedPrecondition, () => region.Rename("/.iommu/domain-1", "/stolen"));
        RegionTesting.AssertFailsWithoutChange(region, RegionError.FailedPrecondition, () => region.CreateFile("/.iommu/extra", 4096, FileKind.Blob));
        RegionTesting.AssertFailsWithoutChange(region, RegionError.FailedPrecondition, () => region.Rename("/.iommu", "/other"));
    }
}
