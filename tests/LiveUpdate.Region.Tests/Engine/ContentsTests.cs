using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

/// <summary>
/// Contents replacement and reading (<see cref="PersistentRegion.BeginContentsReplacement"/>,
/// <see cref="PersistentRegion.OpenContentsReader"/>): what a commit swaps in, what an abandoned or refused replacement
/// leaves (nothing), and what a reader does when the file changes under it. Crashes are in ContentsCrashTests.
/// </summary>
public sealed class ContentsTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(4096, 4096)]
    [InlineData(5 * MiB + 123, 7919)]
    [InlineData(9 * MiB + 1, 1 << 20)]
    public void Replacement_Committed_IsTheNewContents_SameInodeInstanceAndKind(int size, int chunk)
    {
        using var temp = new TempRegion(64 * MiB);
        using var region = temp.Format();
        var before = region.CreateFile("/state", 10_000, FileKind.DeviceState, new CreateFileOptions(Guid.NewGuid(), 1000, 0x180));
        FillAllocation(region, before, 0xEE);
        var data = Pattern(size, seed: 3);

        RegionFileInfo after;
        using (var replacement = region.BeginContentsReplacement("/state"))
        {
            for (var offset = 0; offset < size; offset += chunk)
            {
                replacement.Append(data.AsSpan(offset, Math.Min(chunk, size - offset)));
            }

            Assert.Equal(size, replacement.Length);
            after = replacement.Commit();
        }

        Assert.Equal(size, after.Size);
        Assert.Equal((size + 4095) / 4096 * 4096, after.AllocatedBytes);
        Assert.Equal((before.Inode, before.InstanceId, before.Kind, before.VmUuid, before.OwnerUid, before.Mode),
            (after.Inode, after.InstanceId, after.Kind, after.VmUuid, after.OwnerUid, after.Mode));
        Assert.True(after.Generation > before.Generation);
        Assert.Equal(data, Read(region, "/state"));

        // The rest of the last granule reads as zeros: nothing of the space's previous owner shows.
        var slack = (int)(after.AllocatedBytes - after.Size);
        Assert.All(ReadFile(region, after, after.Size, slack), b => Assert.Equal(0, b));
        AssertHealthy(region);

        region.Dispose();
        using var again = temp.Attach();
        Assert.Equal(data, Read(again, "/state"));
        Assert.Equal(after.InstanceId, again.Stat("/state").InstanceId);
        AssertHealthy(again);
    }

    [Fact]
    public void Replacement_Abandoned_ChangesNothing_AndGivesItsSpaceBack()
    {
        using var temp = new TempRegion(64 * MiB);
        using var region = temp.Format();
        region.CreateFile("/blob", 0, FileKind.Blob);
        Replace(region, "/blob", Pattern(70_000, seed: 1));
        var before = RegionSnapshot.Take(region);
        var free = region.GetStatistics().FreeBytes;

        using (var replacement = region.BeginContentsReplacement("/blob"))
        {
            replacement.Append(Pattern(3 * (int)MiB, seed: 2));
            Assert.True(region.GetStatistics().FreeBytes < free);

            // A check while it streams: the space it holds is named by no inode yet, and that is no problem.
            Assert.True(region.Check().Clean);
        }

        RegionSnapshot.AssertSame(before, RegionSnapshot.Take(region));
        Assert.Equal(free, region.GetStatistics().FreeBytes);
        Assert.Equal(Pattern(70_000, seed: 1), Read(region, "/blob"));
        AssertHealthy(region);
    }

    [Theory]
    [InlineData(FileKind.GuestMemory)]
    [InlineData(FileKind.Directory)]
    public void OtherKinds_AreRefused(FileKind kind)
    {
        using var temp = new TempRegion(64 * MiB);
        using var region = temp.Format();
        if (kind == FileKind.Directory)
        {
            region.MakeDirectory("/x");
        }
        else
        {
            region.CreateFile("/x", Granule, kind);
        }

        var ex = AssertFailsWithoutChange(region, RegionError.WrongKind, () => region.BeginContentsReplacement("/x"));
        Assert.Contains("only DEVICE_STATE and BLOB", ex.Message, StringComparison.Ordinal);
        Assert.Equal(RegionError.WrongKind, Assert.Throws<RegionException>(() => region.OpenContentsReader("/x")).Error);
        Assert.Equal(RegionError.NotFound, Assert.Throws<RegionException>(() => region.BeginContentsReplacement("/missing")).Error);
    }

    [Fact]
    public void RegionFull_AppendFailsWithNoSpace_AndTheFileIsUnchanged()
    {
        using var temp = new TempRegion(16 * MiB);
        using var region = temp.Format();
        region.CreateFile("/state", 0, FileKind.DeviceState);
        Replace(region, "/state", Pattern(5000, seed: 4));
        var before = RegionSnapshot.Take(region);

        using (var replacement = region.BeginContentsReplacement("/state"))
        {
            var chunk = Pattern((int)MiB, seed: 5);
            var ex = Assert.Throws<RegionException>(() =>
            {
                for (var i = 0; i < 64; i++)
                {
                    replacement.Append(chunk);
                }
            });
            Assert.Equal(RegionError.NoSpace, ex.Error);
        }

        RegionSnapshot.AssertSame(before, RegionSnapshot.Take(region));
        Assert.Equal(Pattern(5000, seed: 4), Read(region, "/state"));
        AssertHealthy(region);
    }

    [Fact]
    public void FileRemovedWhileStreaming_CommitFailsWithNotFound_AndLeavesNoSpaceBehind()
    {
        using var temp = new TempRegion(64 * MiB);
        using var region = temp.Format();
        region.CreateFile("/state", 100, FileKind.DeviceState);
        var free = region.GetStatistics().FreeBytes;
        using (var replacement = region.BeginContentsReplacement("/state"))
        {
            replacement.Append(Pattern(200_000, seed: 6));
            region.Remove("/state");
            Assert.Equal(RegionError.NotFound, Assert.Throws<RegionException>(replacement.Commit).Error);
        }

        Assert.Equal(free + 4096, region.GetStatistics().FreeBytes);
        AssertHealthy(region);
    }

    [Fact]
    public void FrozenRegion_RefusesReplacement_ButReads()
    {
        using var temp = new TempRegion(64 * MiB);
        using var region = temp.Format();
        region.CreateFile("/state", 0, FileKind.DeviceState);
        Replace(region, "/state", Pattern(1234, seed: 7));
        var replacement = region.BeginContentsReplacement("/state");
        replacement.Append(Pattern(10, seed: 8));
        region.TransitionTo(LifecycleState.Freezing);
        region.TransitionTo(LifecycleState.Frozen);

        Assert.Equal(RegionError.FailedPrecondition, Assert.Throws<RegionException>(replacement.Commit).Error);
        Assert.Equal(RegionError.FailedPrecondition, Assert.Throws<RegionException>(() => region.BeginContentsReplacement("/state")).Error);
        replacement.Dispose();
        Assert.Equal(Pattern(1234, seed: 7), Read(region, "/state"));
    }

    [Fact]
    public void Reader_FileReplacedOrRenamedUnderIt_ConflictOrContinues()
    {
        using var temp = new TempRegion(64 * MiB);
        using var region = temp.Format();
        region.CreateFile("/state", 0, FileKind.DeviceState);
        Replace(region, "/state", Pattern(50_000, seed: 9));

        var reader = region.OpenContentsReader("/state");
        var buffer = new byte[10_000];
        Assert.Equal(10_000, reader.Read(0, buffer));
        region.Rename("/state", "/renamed");
        Assert.Equal(10_000, reader.Read(10_000, buffer));

        Replace(region, "/renamed", Pattern(50_000, seed: 10));
        var ex = Assert.Throws<RegionException>(() => reader.Read(20_000, buffer));
        Assert.Equal(RegionError.Conflict, ex.Error);
        Assert.Equal(Pattern(50_000, seed: 10), Read(region, "/renamed"));
    }

    [Fact]
    public void Repair_ThatReloadsTheRegion_VoidsAReplacementInProgress()
    {
        using var temp = new TempRegion(64 * MiB);
        using var region = temp.Format();
        region.CreateFile("/state", 0, FileKind.DeviceState);
        var orphan = region.CreateFile("/orphan", 4096, FileKind.Blob);
        using var replacement = region.BeginContentsReplacement("/state");
        replacement.Append(Pattern(100_000, seed: 11));

        // Damage an inode so that a repair has something to do and reloads the indexes.
        region.Device.Span(SlotOffsetOf(region, orphan), 8)[4] ^= 0xFF;
        var report = region.Check(repair: true);
        Assert.Contains(report.Problems, p => p.Repaired);

        Assert.Equal(RegionError.Conflict, Assert.Throws<RegionException>(replacement.Commit).Error);
        Assert.Equal(0, region.Stat("/state").Size);
        AssertHealthy(region);
    }

    private static long SlotOffsetOf(PersistentRegion region, RegionFileInfo file)
    {
        // Inodes live in the first chunk at 2 MiB in a fresh region: slot number × 512.
        return (2 * MiB) + (file.Inode * 512);
    }

    private static void Replace(PersistentRegion region, string path, byte[] data)
    {
        using var replacement = region.BeginContentsReplacement(path);
        replacement.Append(data);
        replacement.Commit();
    }

    private static byte[] Read(PersistentRegion region, string path)
    {
        var reader = region.OpenContentsReader(path);
        var bytes = new byte[reader.Size];
        var read = 0;
        while (read < bytes.Length)
        {
            read += reader.Read(read, bytes.AsSpan(read, Math.Min(bytes.Length - read, 65_536)));
        }

        Assert.Equal(0, reader.Read(read, new byte[16]));
        return bytes;
    }

    private static byte[] Pattern(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
