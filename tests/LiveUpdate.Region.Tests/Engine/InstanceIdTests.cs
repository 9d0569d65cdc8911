using LiveUpdate.Region.Format;
using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

/// <summary>
/// Instance ids (format 3): random at creation, never changed, stored; a record without one, or with another inode's,
/// is corruption that check reports and repair fixes with a new random id.
/// </summary>
public sealed class InstanceIdTests
{
    [Fact]
    public void NewInodes_HaveDistinctIds_KeptByRenameResizeAndReattach_NewAfterRemoveAndCreate()
    {
        using var temp = new TempRegion(64 * MiB);
        var region = temp.Format();
        var root = region.Stat("/");
        region.MakeDirectory("/vm");
        var memory = region.CreateFile("/vm/memory", Granule, FileKind.GuestMemory);
        var state = region.CreateFile("/vm/state", 100, FileKind.DeviceState);
        Guid[] ids = [root.InstanceId, region.Stat("/vm").InstanceId, memory.InstanceId, state.InstanceId];
        Assert.DoesNotContain(Guid.Empty, ids);
        Assert.Equal(ids.Length, ids.Distinct().Count());

        Assert.Equal(memory.InstanceId, region.Resize("/vm/memory", 2 * Granule).InstanceId);
        Assert.Equal(state.InstanceId, region.Rename("/vm/state", "/vm/state2").InstanceId);
        region.Dispose();

        region = temp.Attach();
        Assert.Equal(memory.InstanceId, region.Stat("/vm/memory").InstanceId);
        Assert.Equal(state.InstanceId, region.Stat("/vm/state2").InstanceId);
        region.Remove("/vm/memory");
        var again = region.CreateFile("/vm/memory", Granule, FileKind.GuestMemory);
        Assert.Equal(memory.Inode, again.Inode);
        Assert.NotEqual(memory.InstanceId, again.InstanceId);
        AssertHealthy(region);
        region.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RecordWithoutAUniqueId_IsReported_AndRepairGivesItANewOne(bool duplicate)
    {
        using var temp = new TempRegion(64 * MiB);
        RegionFileInfo first, second;
        using (var region = temp.Format())
        {
            first = region.CreateFile("/a", 4096, FileKind.Blob);
            second = region.CreateFile("/b", 4096, FileKind.Blob);
        }

        using (var device = temp.OpenDevice())
        {
            // A record a buggy writer left: checksum valid, instance id missing or copied.
            var bytes = device.Span(SlotOffset(second), InodeRecord.TotalSize);
            var record = InodeRecord.Read(bytes);
            record.InstanceId = Uuid.From(duplicate ? first.InstanceId : Guid.Empty);
            record.WriteSealed(bytes);

            var attach = Assert.Throws<RegionException>(() => PersistentRegion.Attach(device));
            Assert.Equal(RegionError.Corrupt, attach.Error);
            var report = PersistentRegion.CheckDetached(device);
            var problem = Assert.Single(report.Problems);
            Assert.Contains(duplicate ? "which a lower inode has too" : "has no instance id", problem.Message, StringComparison.Ordinal);

            var repaired = PersistentRegion.CheckDetached(device, repair: true);
            Assert.True(Assert.Single(repaired.Problems).Repaired);
        }

        using var fixedRegion = temp.Attach();
        var b = fixedRegion.Stat("/b");
        Assert.NotEqual(Guid.Empty, b.InstanceId);
        Assert.NotEqual(first.InstanceId, b.InstanceId);
        Assert.Equal(first.InstanceId, fixedRegion.Stat("/a").InstanceId);
        Assert.Equal(second.Generation, b.Generation);
        AssertHealthy(fixedRegion);
    }

    /// <summary>A fresh region's first inode chunk starts at 2 MiB; slot N is N × 512 bytes in.</summary>
    private static long SlotOffset(RegionFileInfo file) => (2 * MiB) + (file.Inode * InodeRecord.TotalSize);
}
