using LiveUpdate.Region.Dma;
using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Dma;

/// <summary><see cref="DmaRecord.ReadDeviceEntries"/> returns the root and context entries the tables hold, as the hardware walks them.</summary>
public sealed class DeviceEntriesTests
{
    private static readonly PciAddress s_first = PciAddress.Parse("0000:03:00.0");
    private static readonly PciAddress s_second = PciAddress.Parse("0000:03:00.1");

    [Fact]
    public void ReadDeviceEntries_AttachedDevices_PointAtTheirDomainsTopTables()
    {
        using var temp = new TempRegion(64 * MiB);
        using var region = temp.Format();
        region.Dma.CreateDomain(7, 48);
        region.Dma.CreateDomain(9, 57);
        region.Dma.AttachDevice(7, s_first);
        var domain9 = region.Dma.AttachDevice(9, s_second);
        var domain7 = region.Dma.GetDomain(7);

        var first = region.Dma.ReadDeviceEntries(s_first);
        var second = region.Dma.ReadDeviceEntries(s_second);

        Assert.Equal(domain7.RootTablePhysical, first.RootTablePhysical);
        Assert.Equal(first.Root, second.Root); // one root entry per bus, one context table per bus
        Assert.Equal(VtdFormat.Present, first.Root.Low & VtdFormat.Present);
        Assert.Equal(first.Root.Low & VtdFormat.PointerMask, first.ContextTablePhysical);
        Assert.Equal(0UL, first.Root.High);
        Assert.Equal(VtdFormat.ContextEntryLow(domain7.TopTablePhysical), first.Context.Low);
        Assert.Equal(VtdFormat.ContextEntryHigh(48, 7), first.Context.High);
        Assert.Equal(VtdFormat.ContextEntryLow(domain9.TopTablePhysical), second.Context.Low);
        Assert.Equal(VtdFormat.ContextEntryHigh(57, 9), second.Context.High);
    }

    [Fact]
    public void ReadDeviceEntries_BusWithoutRootEntry_IsNotFound()
    {
        using var temp = new TempRegion(64 * MiB);
        using var region = temp.Format();
        Assert.Equal(RegionError.NotFound, Assert.Throws<RegionException>(() => region.Dma.ReadDeviceEntries(s_first)).Error);

        region.Dma.CreateDomain(7, 48);
        region.Dma.AttachDevice(7, s_first);
        Assert.Equal(RegionError.NotFound, Assert.Throws<RegionException>(() => region.Dma.ReadDeviceEntries(PciAddress.Parse("0000:04:00.0"))).Error);

        region.Dma.DetachDevice(s_first);
        Assert.Equal(RegionError.NotFound, Assert.Throws<RegionException>(() => region.Dma.ReadDeviceEntries(s_first)).Error);
    }

    [Fact]
    public void ReadDeviceEntries_AfterDetachOfOneOfTwo_ClearsOnlyThatContextEntry()
    {
        using var temp = new TempRegion(64 * MiB);
        using var region = temp.Format();
        region.Dma.CreateDomain(7, 39);
        region.Dma.AttachDevice(7, s_first);
        region.Dma.AttachDevice(7, s_second);
        var kept = region.Dma.ReadDeviceEntries(s_second);

        region.Dma.DetachDevice(s_first);

        Assert.Equal(new VtdEntry(0, 0), region.Dma.ReadDeviceEntries(s_first).Context);
        Assert.Equal(kept, region.Dma.ReadDeviceEntries(s_second));
        AssertHealthy(region);
    }
}
