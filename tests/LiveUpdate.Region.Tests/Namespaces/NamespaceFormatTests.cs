using System.Runtime.Versioning;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;
using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Namespaces;

/// <summary>
/// How namespace-backed extents are stored (no new format version: an inode flag, declared by an incompatible-feature bit
/// of the superblock): regions of the other backends are written exactly as before; an engine without a namespace
/// directory (an offline check) checks such a region without calling its extents out of bounds; a flag the superblock
/// does not declare is corruption; such a region is attached only with its namespaces.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NamespaceFormatTests : IDisposable
{
    private readonly TempRegion _temp = new(64 * MiB);
    private readonly FileNamespaceDirectory _spaces;

    public NamespaceFormatTests()
    {
        _spaces = new FileNamespaceDirectory(new RegionDeviceOptions().SimulatedPhysicalBase, _temp.Size);
    }

    [Fact]
    public void OtherBackends_DeclareNoFeature_AndStoreNoFlag()
    {
        using (var region = _temp.Format())
        {
            region.CreateFile("/memory", 4 * MiB, FileKind.GuestMemory);
        }

        using var device = _temp.OpenDevice();
        Assert.Equal(0u, Superblock(device).IncompatibleFeatures);
        Assert.Equal(0, InodeOf(device, "memory").Flags);
    }

    [Fact]
    public void NamespacesBackend_DeclaresTheFeature_AndFlagsTheInode()
    {
        using (var region = _temp.Format(new RegionOptions { Namespaces = _spaces }))
        {
            region.CreateFile("/memory", 4 * MiB, FileKind.GuestMemory);
            region.CreateFile("/state", 100, FileKind.DeviceState);
        }

        using var device = _temp.OpenDevice();
        Assert.Equal(SuperblockRecord.FeatureNamespaceExtents, Superblock(device).IncompatibleFeatures);
        Assert.Equal(InodeRecord.FlagNamespaceBacked, InodeOf(device, "memory").Flags);
        Assert.Equal(0, InodeOf(device, "state").Flags);
    }

    [Fact]
    public void WithoutADirectory_TheRegionChecksClean_ButIsNotAttachedAsADeviceOfItsOwn()
    {
        using var device = RegionWithNamespaceBackedMemory();
        var report = PersistentRegion.CheckDetached(device);
        Assert.True(report.Clean, string.Join("; ", report.Problems));

        var ex = Assert.Throws<RegionException>(() => PersistentRegion.Attach(device));
        Assert.Equal(RegionError.UnsupportedFormat, ex.Error);
        Assert.Contains("attach it through its nd region", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFlaggedInode_InARegionThatDoesNotDeclareTheFeature_IsCorrupt()
    {
        using var device = RegionWithNamespaceBackedMemory();
        for (var slot = 0; slot < 2; slot++)
        {
            var bytes = device.Span(RegionLayout.SuperblockOffsets[slot], SuperblockRecord.TotalSize);
            var record = SuperblockRecord.Read(bytes);
            record.IncompatibleFeatures = 0;
            record.WriteSealed(bytes);
        }

        var ex = Assert.Throws<RegionException>(() => PersistentRegion.Attach(device));
        Assert.Equal(RegionError.Corrupt, ex.Error);
        Assert.Contains("does not declare namespace-backed extents", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFlaggedInode_ThatIsNotOneAlignedGuestMemoryExtentOutsideTheDevice_IsCorrupt()
    {
        using var device = RegionWithNamespaceBackedMemory();
        var (offset, record) = InodeSlots.Find(device, "memory");
        record.Extents[0] = new ExtentRecord(RegionLayout.HeaderSize, 4 * MiB); // inside the metadata device
        record.WriteSealed(device.Span(offset, InodeRecord.TotalSize));

        var ex = Assert.Throws<RegionException>(() => PersistentRegion.Attach(device, new RegionOptions { Namespaces = _spaces }));
        Assert.Equal(RegionError.Corrupt, ex.Error);
        Assert.Contains("overlaps the metadata device", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A namespaces-backend region holding one namespace-backed file, /memory, detached and opened as a plain device.</summary>
    private RegionDevice RegionWithNamespaceBackedMemory()
    {
        using (var region = _temp.Format(new RegionOptions { Namespaces = _spaces }))
        {
            region.CreateFile("/memory", 4 * MiB, FileKind.GuestMemory);
        }

        return _temp.OpenDevice();
    }

    public void Dispose()
    {
        _spaces.Dispose();
        _temp.Dispose();
    }

    private static SuperblockRecord Superblock(RegionDevice device) =>
        SuperblockRecord.Read(device.Span(RegionLayout.SuperblockOffsets[0], SuperblockRecord.TotalSize));

    private static InodeRecord InodeOf(RegionDevice device, string name) => InodeSlots.Find(device, name).Record;
}
