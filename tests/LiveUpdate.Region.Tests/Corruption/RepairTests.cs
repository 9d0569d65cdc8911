using System.IO.Hashing;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>fsck of regions too damaged to attach: <see cref="PersistentRegion.CheckDetached"/> with and without repair.</summary>
[Collection(CorruptionCollection.Name)]
public sealed class RepairTests(CorruptionImage image)
{
    public static TheoryData<string> Targets() =>
    [
        "superblock copy A", "superblock copy B", "chunk table page 0", "chunk table page 5", "root inode", "directory inode",
        "file inode", "freed inode slot", "never-used inode slot", "reserved inode 0", "extent block", "journal record",
    ];

    [Theory]
    [MemberData(nameof(Targets))]
    public void CheckDetached_DamagedStructure_ReportsItByNameAndOffsetAndWritesNothing(string target)
    {
        var (path, offset, structure) = Target(target);
        using var work = new WorkCopy(path);
        work.Device.Span(offset + 21, 1)[0] ^= 0x10;
        var before = work.Hash();

        var report = PersistentRegion.CheckDetached(work.Device, repair: false);

        Assert.False(report.Clean);
        Assert.Contains(report.Problems, p => p.ToString().Contains(structure, StringComparison.Ordinal) && p.ToString().Contains($"0x{offset:x}", StringComparison.Ordinal));
        Assert.Equal(before, work.Hash());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Repair_DamagedSuperblockCopy_RewritesItAndTheNextAttachHasNoWarning(int slot)
    {
        using var work = new WorkCopy(image.CleanPath);
        var offset = RegionLayout.SuperblockOffsets[slot];
        work.Device.Span(offset + 100, 1)[0] ^= 0x01;

        var report = PersistentRegion.CheckDetached(work.Device, repair: true);

        var problem = Assert.Single(report.Problems);
        Assert.True(problem.Repaired, problem.ToString());
        Assert.Equal(offset, problem.Offset);
        Assert.True(Checksum.Verify(work.Device.Span(offset, SuperblockRecord.TotalSize), Checksum.SuperblockSeed));
        Assert.Empty(PersistentRegion.CheckDetached(work.Device).Problems);
        using var region = PersistentRegion.Attach(work.Device);
        Assert.Empty(region.AttachReport.Warnings);
        Assert.Equal(image.CleanTree, TreeSnapshot.Of(region));
        Assert.True(region.Check().Clean);
    }

    [Theory]
    [InlineData("bit flip")]
    [InlineData("zeroed record")]
    public void Repair_CorruptFileInode_ClearsItAndTheRegionAttachesCleanWithTheOtherFilesIntact(string damage)
    {
        using var work = new WorkCopy(image.CleanPath);
        var offset = image.InodeOffset(image.DeviceStateInode);
        Damage(work.Device, offset, damage);
        Assert.Equal(RegionError.Corrupt, Assert.Throws<RegionException>(() => PersistentRegion.Attach(work.Device)).Error);

        var report = PersistentRegion.CheckDetached(work.Device, repair: true);

        Assert.True(report.Clean, string.Join("\n", report.Problems));
        Assert.Contains(report.Problems, p => p.Structure == $"inode {image.DeviceStateInode}" && p.Offset == offset && p.Repaired);
        using var region = PersistentRegion.Attach(work.Device);
        var check = region.Check();
        Assert.True(check.Clean, string.Join("\n", check.Problems));
        var statePath = $"{CorruptionImage.VmDirectory}/device-state";
        Assert.False(region.Exists(statePath));
        var expected = image.CleanTree.Where(entry => entry.Path != statePath).ToList();
        Assert.Equal(expected, TreeSnapshot.Of(region));
        Assert.Equal(check.TotalBytes, check.UsedBytes + check.FreeBytes);
    }

    [Theory]
    [InlineData("bit flip")]
    [InlineData("zeroed record")]
    public void Repair_CorruptDirectoryInode_MovesItsChildrenToLostAndFound(string damage)
    {
        using var work = new WorkCopy(image.CleanPath);
        Damage(work.Device, image.InodeOffset(image.VmDirectoryInode), damage);
        var children = image.CleanTree.Where(entry => entry.Path.StartsWith(CorruptionImage.VmDirectory + "/", StringComparison.Ordinal)).ToList();

        var report = PersistentRegion.CheckDetached(work.Device, repair: true);

        Assert.True(report.Clean, string.Join("\n", report.Problems));
        using var region = PersistentRegion.Attach(work.Device);
        var check = region.Check();
        Assert.True(check.Clean, string.Join("\n", check.Problems));
        Assert.False(region.Exists(CorruptionImage.VmDirectory));
        var found = region.List("/lost+found");
        Assert.Equal(children.Count, found.Count);
        foreach (var child in children)
        {
            // Everything but the path and generation survives: kind, size, VM, owner, mode, times, extents.
            var moved = found.Single(f => f.Inode == child.Inode);
            Assert.StartsWith("/lost+found/#", moved.Path, StringComparison.Ordinal);
            Assert.Equal(child.WithoutPlace(), TreeEntry.Of(moved).WithoutPlace());
        }

        var tree = TreeSnapshot.Of(region);
        var untouched = image.CleanTree.Where(entry => !entry.Path.StartsWith(CorruptionImage.VmDirectory, StringComparison.Ordinal) && entry.Path != "/");
        Assert.All(untouched, entry => Assert.Contains(entry, tree));
    }

    [Fact]
    public void Repair_DamagedChunkTablePage_IsReportedAsNotRepairableAndNothingIsWritten()
    {
        using var work = new WorkCopy(image.CleanPath);
        work.Device.Span(RegionLayout.ChunkTableOffset + 17, 1)[0] ^= 0x80;
        var before = work.Hash();

        var report = PersistentRegion.CheckDetached(work.Device, repair: true);

        Assert.False(report.Clean);
        var problem = Assert.Single(report.Problems, p => p.Structure == "inode chunk table page 0");
        Assert.False(problem.Repaired);
        Assert.Equal(before, work.Hash());
        Assert.Equal(RegionError.Corrupt, Assert.Throws<RegionException>(() => PersistentRegion.Attach(work.Device)).Error);
    }

    private static void Damage(RegionDevice device, long offset, string damage)
    {
        var record = device.Span(offset, InodeRecord.TotalSize);
        if (damage == "zeroed record")
        {
            record.Clear();
        }
        else
        {
            record[40] ^= 0x04;
        }
    }

    private (string Path, long Offset, string Structure) Target(string target) => target switch
    {
        "superblock copy A" => (image.CleanPath, 0, "superblock copy A"),
        "superblock copy B" => (image.CleanPath, RegionLayout.SuperblockSlotSize, "superblock copy B"),
        "chunk table page 0" => (image.CleanPath, RegionLayout.ChunkTableOffset, "inode chunk table page 0"),
        "chunk table page 5" => (image.CleanPath, RegionLayout.ChunkTableOffset + (5 * ChunkTablePage.TotalSize), "inode chunk table page 5"),
        "root inode" => (image.CleanPath, image.InodeOffset(RegionLayout.RootInode), "inode 1"),
        "directory inode" => (image.CleanPath, image.InodeOffset(image.VmDirectoryInode), $"inode {image.VmDirectoryInode}"),
        "file inode" => (image.CleanPath, image.InodeOffset(image.DeviceStateInode), $"inode {image.DeviceStateInode}"),
        "freed inode slot" => (image.CleanPath, image.InodeOffset(image.FreedInode), $"inode {image.FreedInode}"),
        "never-used inode slot" => (image.CleanPath, image.InodeOffset(CorruptionImage.NeverUsedInode), $"inode {CorruptionImage.NeverUsedInode}"),
        "reserved inode 0" => (image.CleanPath, image.InodeOffset(0), "inode 0"),
        "extent block" => (image.CleanPath, image.ExtentBlockOffset, "extent block 0"),
        "journal record" => (image.CrashedPath, image.AppliedRecord.Offset, "journal record"),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    /// <summary>A sparse copy of an image with its device open, deleted on dispose.</summary>
    private sealed class WorkCopy : IDisposable
    {
        private readonly string _path;

        public WorkCopy(string image)
        {
            _path = Path.Combine(Path.GetDirectoryName(image)!, $"repair-{Guid.NewGuid():N}.img");
            SparseFile.Copy(image, _path);
            Device = CorruptionImage.OpenDevice(_path);
        }

        public RegionDevice Device { get; }

        public ulong Hash() => XxHash3.HashToUInt64(Device.Span(0, checked((int)Device.Size)));

        public void Dispose()
        {
            Device.Dispose();
            File.Delete(_path);
        }
    }
}
