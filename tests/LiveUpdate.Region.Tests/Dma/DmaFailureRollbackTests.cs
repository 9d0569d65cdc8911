using LiveUpdate.Region.Dma;
using LiveUpdate.Region.Tests.Engine;
using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Dma;

/// <summary>
/// A Dma operation that fails before its journal record is sealed must leave the region exactly as it was, and usable:
/// the table pages, extent blocks and inode slot it took are given back (the statistics show it), the domain inode is
/// as it was, and the next commit carries nothing of the failed one. The failure is injected with <see cref="FaultAt"/>.
/// </summary>
public sealed class DmaFailureRollbackTests
{
    private static readonly PciAddress s_attached = PciAddress.Parse("0000:01:00.0");

    public static TheoryData<string> Operations =>
        ["create domain", "destroy domain", "attach on a new bus", "attach on a known bus", "detach the last on its bus", "map", "unmap"];

    [Theory]
    [MemberData(nameof(Operations))]
    public void DmaOperationFailingBeforeItsRecordIsSealed_ChangesNothing_AndTheRegionStaysUsable(string operation)
    {
        using var temp = new TempRegion(128 * MiB);
        using (var region = temp.Format())
        {
            region.CreateFile("/memory", 64 * MiB, FileKind.GuestMemory);
            region.Dma.CreateDomain(1, 48);
            region.Dma.CreateDomain(2, 39);
            region.Dma.AttachDevice(1, s_attached);
            region.Dma.Map(1, 0, "/memory", 0, 8 * MiB, readable: true, writable: true);
            region.Dma.Map(1, 0x4000_0000, "/memory", 16 * MiB, 5 * 4096, readable: true, writable: false);
        }

        var faults = new FaultAt(FaultPoint.JournalTorn);
        using (var region = temp.Attach(new RegionOptions { FaultInjector = faults }))
        {
            var before = RegionSnapshot.Take(region);
            var tables = region.Dma.ReadDeviceEntries(s_attached);
            Assert.Throws<SimulatedCrashException>(() => Run(region, operation));
            Assert.True(faults.Fired);
            RegionSnapshot.AssertSame(before, RegionSnapshot.Take(region));
            Assert.Equal(tables, region.Dma.ReadDeviceEntries(s_attached));
            AssertHealthy(region);

            // The same operation then succeeds, and the next commit carries nothing of the failed one.
            Run(region, operation);
            region.Dma.Map(2, 0x10_0000, "/memory", 32 * MiB, 3 * MiB, readable: true, writable: true);
            AssertHealthy(region);
        }

        using var again = temp.Attach();
        Assert.Single(again.Dma.ListMappings(2), m => m.Iova == 0x10_0000);
        AssertHealthy(again);
    }

    private static void Run(PersistentRegion region, string operation)
    {
        switch (operation)
        {
            case "create domain":
                region.Dma.CreateDomain(3, 57);
                break;
            case "destroy domain":
                region.Dma.DestroyDomain(1);
                break;
            case "attach on a new bus":
                region.Dma.AttachDevice(2, PciAddress.Parse("0000:02:00.0"));
                break;
            case "attach on a known bus":
                region.Dma.AttachDevice(2, PciAddress.Parse("0000:01:00.1"));
                break;
            case "detach the last on its bus":
                region.Dma.DetachDevice(s_attached);
                break;
            case "map":
                region.Dma.Map(1, 0x80_0000_0000, "/memory", 40 * MiB, 4 * MiB + (3 * 4096), readable: true, writable: true);
                break;
            case "unmap":
                region.Dma.Unmap(1, 0x4000_0000, 5 * 4096);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, null);
        }
    }
}
