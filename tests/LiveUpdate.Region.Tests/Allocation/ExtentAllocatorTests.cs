using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Format;
using static LiveUpdate.Region.Tests.Allocation.AllocatorTesting;
using Range = LiveUpdate.Region.Allocation.FreeSpaceMap.Range;

namespace LiveUpdate.Region.Tests.Allocation;

public sealed class ExtentAllocatorTests
{
    [Fact]
    public void AllocateLarge_16GiBInAFresh64GiBRegion_IsOneExtentAlignedTo1GiB()
    {
        var allocator = Fresh(64 * GiB);
        var before = allocator.LargeFreeBytes;

        var extents = allocator.AllocateLarge(16 * GiB);

        var extent = Assert.Single(extents);
        Assert.Equal(16 * GiB, extent.Length);
        Assert.Equal(0, extent.RegionOffset % GiB);
        Assert.True(extent.RegionOffset >= RegionLayout.HeaderSize);
        Assert.Equal(before - (16 * GiB), allocator.LargeFreeBytes);
    }

    [Fact]
    public void AllocateLarge_SeveralGiB_EachOneExtentAlignedTo1GiB()
    {
        var allocator = Fresh(64 * GiB);
        for (var i = 0; i < 3; i++)
        {
            var extent = Assert.Single(allocator.AllocateLarge(16 * GiB));
            Assert.Equal(0, extent.RegionOffset % GiB);
        }
    }

    [Fact]
    public void AllocateLarge_BelowOneGiB_TakesTheSmallestFittingRange()
    {
        var allocator = Fresh(64 * MiB);
        var all = Enumerable.Range(0, 31).Select(_ => Assert.Single(allocator.AllocateLarge(Large))).ToList();
        allocator.FreeLarge(all[2].RegionOffset, 3 * Large);   // a 3-granule hole
        allocator.FreeLarge(all[10].RegionOffset, 2 * Large);  // a 2-granule hole
        allocator.FreeLarge(all[20].RegionOffset, 5 * Large);  // a 5-granule hole

        var extent = Assert.Single(allocator.AllocateLarge(2 * Large));

        Assert.Equal(all[10].RegionOffset, extent.RegionOffset);
    }

    [Fact]
    public void AllocateSmall_BorrowsAGranule_AndGivesItBackWhenWhollyFree()
    {
        var allocator = Fresh(64 * MiB);
        var largeAtStart = allocator.LargeFreeBytes;
        var initial = FreeSpaceOf(allocator);

        var a = Assert.Single(allocator.AllocateSmall(Small));
        Assert.Equal(largeAtStart - Large, allocator.LargeFreeBytes);
        Assert.Equal(Large - Small, allocator.SmallFreeBytes);
        var b = Assert.Single(allocator.AllocateSmall(2 * Small));
        Assert.Equal(largeAtStart - Large, allocator.LargeFreeBytes); // the same granule serves both
        Assert.Equal(a.RegionOffset / Large, b.RegionOffset / Large);

        allocator.FreeSmall(a.RegionOffset, a.Length);
        Assert.Equal(largeAtStart - Large, allocator.LargeFreeBytes); // b still lives in it

        allocator.FreeSmall(b.RegionOffset, b.Length);
        Assert.Equal(largeAtStart, allocator.LargeFreeBytes);
        Assert.Equal(0, allocator.SmallFreeBytes);
        Assert.Equal(initial, FreeSpaceOf(allocator));
    }

    [Fact]
    public void AllocateSmall_LargerThanAGranule_BorrowsWholeGranulesAndGivesThemBack()
    {
        var allocator = Fresh(64 * MiB);
        var initial = FreeSpaceOf(allocator);

        var extent = Assert.Single(allocator.AllocateSmall(3 * MiB));
        Assert.Equal(0, extent.RegionOffset % Small);
        Assert.Equal((62 * MiB) - (3 * MiB), allocator.FreeBytes);
        Assert.Equal(MiB, allocator.SmallFreeBytes);

        allocator.FreeSmall(extent.RegionOffset, extent.Length);
        Assert.Equal(initial, FreeSpaceOf(allocator));
    }

    [Fact]
    public void AllocateSmall_PrefersFreeSmallSpaceOverBorrowing()
    {
        var allocator = Fresh(64 * MiB);
        var first = Assert.Single(allocator.AllocateSmall(64 * Small));
        var largeAfterFirst = allocator.LargeFreeBytes;
        var second = Assert.Single(allocator.AllocateSmall(16 * Small));
        Assert.Equal(largeAfterFirst, allocator.LargeFreeBytes);
        Assert.Equal(first.End, second.RegionOffset);
    }

    [Fact]
    public void AllocateSmall_SpillingIntoNewGranules_LeavesNoWhollyFreeGranuleInTheSmallPool()
    {
        // A small allocation that borrows granules next to a small free tail may start in that tail, so the
        // borrowed run ends with unused whole granules; those belong to the large pool again (as attach would say).
        var allocator = Fresh(64 * MiB);
        var a = Assert.Single(allocator.AllocateSmall(Large - (2 * Small)));  // leaves an 8 KiB tail in granule 1
        var b = Assert.Single(allocator.AllocateSmall(Large + Small));        // borrows granules 2-3, starts in the tail

        Assert.DoesNotContain(allocator.SmallFreeRanges, r => FreeSpaceMap.AlignUp(r.Start, Large) + Large <= r.End);
        AssertSameFreeSpace(RebuildClean(64 * MiB, [Header, Used(a, Pool.Small), Used(b, Pool.Small)]), allocator);
    }

    [Fact]
    public void AllocateLarge_FragmentedPool_TakesTheFewestLargestPieces()
    {
        var allocator = Fresh(64 * MiB);
        var granules = Enumerable.Range(0, 31).Select(_ => Assert.Single(allocator.AllocateLarge(Large))).ToList();
        Assert.Equal(0, allocator.LargeFreeBytes);
        allocator.FreeLarge(granules[0].RegionOffset, 6 * Large);  // 6 granules
        allocator.FreeLarge(granules[7].RegionOffset, 4 * Large);  // 4 granules
        allocator.FreeLarge(granules[12].RegionOffset, 3 * Large); // 3 granules
        Assert.Equal(3, allocator.RangeCounts.Large);

        var extents = allocator.AllocateLarge(9 * Large);

        Assert.Equal(2, extents.Count); // no single range holds 9 granules; 6 + 3 is the fewest pieces
        Assert.Equal(new ExtentRecord(granules[0].RegionOffset, 6 * Large), extents[0]);
        Assert.Equal(3 * Large, extents[1].Length);
        Assert.Equal(9 * Large, extents.Sum(e => e.Length));
        Assert.All(extents, e => Assert.Equal(0, e.RegionOffset % Large));
        Assert.Equal(4 * Large, allocator.LargeFreeBytes);
    }

    [Fact]
    public void AllocateLarge_NoSpace_ThrowsAndTakesNothing()
    {
        var allocator = Fresh(64 * MiB);
        var granules = Enumerable.Range(0, 31).Select(_ => Assert.Single(allocator.AllocateLarge(Large))).ToList();
        allocator.FreeLarge(granules[0].RegionOffset, 6 * Large);
        allocator.FreeLarge(granules[10].RegionOffset, 4 * Large);
        var before = FreeSpaceOf(allocator);

        var ex = Assert.Throws<RegionException>(() => allocator.AllocateLarge(11 * Large));

        Assert.Equal(RegionError.NoSpace, ex.Error);
        Assert.Equal(before, FreeSpaceOf(allocator));
    }

    [Fact]
    public void AllocateSmall_NoSpace_ThrowsAndTakesNothing()
    {
        var allocator = Fresh(64 * MiB);
        var small = allocator.AllocateSmall(100 * Small);
        var before = FreeSpaceOf(allocator);

        var ex = Assert.Throws<RegionException>(() => allocator.AllocateSmall(allocator.FreeBytes + Small));

        Assert.Equal(RegionError.NoSpace, ex.Error);
        Assert.Equal(before, FreeSpaceOf(allocator));
        Assert.Single(small);
    }

    [Fact]
    public void AllocateSmall_EverythingFree_CanTakeTheWholeRegionInPieces()
    {
        var allocator = Fresh(64 * MiB);
        allocator.AllocateSmall(Small);
        var extents = allocator.AllocateSmall(allocator.FreeBytes);
        Assert.Equal(0, allocator.FreeBytes);
        Assert.All(extents, e => Assert.Equal(0, e.RegionOffset % Small));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-Large)]
    [InlineData(3 * MiB)]
    [InlineData(Large + Small)]
    public void AllocateLarge_NotAPositiveMultipleOf2MiB_Throws(long bytes)
    {
        var allocator = Fresh(64 * MiB);
        Assert.Throws<ArgumentOutOfRangeException>(() => allocator.AllocateLarge(bytes));
        Assert.Equal(62 * MiB, allocator.FreeBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(Small + 1)]
    public void AllocateSmall_NotAPositiveMultipleOf4KiB_Throws(long bytes)
    {
        var allocator = Fresh(64 * MiB);
        Assert.Throws<ArgumentOutOfRangeException>(() => allocator.AllocateSmall(bytes));
        Assert.Equal(62 * MiB, allocator.FreeBytes);
    }

    [Fact]
    public void TryTakeLarge_NextGranulesFree_GrowsInPlace()
    {
        var allocator = Fresh(64 * MiB);
        var extent = Assert.Single(allocator.AllocateLarge(Large));
        Assert.True(allocator.TryTakeLarge(extent.End, 2 * Large));
        var other = Assert.Single(allocator.AllocateLarge(Large));
        Assert.Equal(extent.End + (2 * Large), other.RegionOffset);
        Assert.False(allocator.TryTakeLarge(extent.End, Large)); // taken now
        Assert.False(allocator.TryTakeLarge(other.End + Small, Large)); // misaligned
    }

    [Fact]
    public void Rebuild_FromUsedRanges_EqualsTheIncrementalState()
    {
        var allocator = Fresh(256 * MiB);
        var live = new List<(ExtentRecord Extent, Pool Pool)>();
        void Keep(List<ExtentRecord> extents, Pool pool) => live.AddRange(extents.Select(e => (e, pool)));

        Keep(allocator.AllocateLarge(8 * MiB), Pool.Large);
        Keep(allocator.AllocateSmall(5 * Small), Pool.Small);
        Keep(allocator.AllocateLarge(2 * MiB), Pool.Large);
        Keep(allocator.AllocateSmall(3 * MiB), Pool.Small);
        Keep(allocator.AllocateSmall(Small), Pool.Small);
        Keep(allocator.AllocateLarge(20 * MiB), Pool.Large);
        foreach (var (extent, pool) in new[] { live[0], live[3], live[4] })
        {
            allocator.Free(extent, pool);
            live.Remove((extent, pool));
        }

        Keep(allocator.AllocateSmall(7 * Small), Pool.Small);
        Keep(allocator.AllocateLarge(4 * MiB), Pool.Large);

        var rebuilt = RebuildClean(256 * MiB, live.Select(l => Used(l.Extent, l.Pool)).Append(Header));
        AssertSameFreeSpace(rebuilt, allocator);
        Assert.Equal((256 * MiB) - RegionLayout.HeaderSize - live.Sum(l => l.Extent.Length), allocator.FreeBytes);
    }

    [Fact]
    public void Rebuild_OverlappingRanges_ReportsTheLaterAndLeavesItOut()
    {
        var problems = new List<(UsedRange Range, string Message)>();
        UsedRange a = new(4 * MiB, 4 * MiB, Pool.Large, OwnerKind.Inode, 7);
        UsedRange b = new(6 * MiB, 2 * MiB, Pool.Large, OwnerKind.Inode, 8);
        UsedRange c = new(10 * MiB, 2 * Small, Pool.Small, OwnerKind.Inode, 9);
        UsedRange d = new((10 * MiB) + Small, Small, Pool.Small, OwnerKind.Inode, 10);
        UsedRange e = new(Small, Small, Pool.Small, OwnerKind.Inode, 11); // inside the header area

        var allocator = ExtentAllocator.Rebuild(64 * MiB, [Header, a, b, c, d, e], (range, message) => problems.Add((range, message)));

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Range == b && p.Message.Contains("overlaps inode 7", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Range == d && p.Message.Contains("overlaps inode 9", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Range == e && p.Message.Contains("overlaps header area", StringComparison.Ordinal));
        AssertSameFreeSpace(RebuildClean(64 * MiB, [Header, a, c]), allocator);
    }

    [Fact]
    public void Rebuild_MisalignedRanges_AreReportedAndLeftOut()
    {
        var problems = new List<(UsedRange Range, string Message)>();
        UsedRange largeOffset = new((4 * MiB) + Small, Large, Pool.Large, OwnerKind.Inode, 2);
        UsedRange largeLength = new(8 * MiB, Large + Small, Pool.Large, OwnerKind.Inode, 3);
        UsedRange smallOffset = new((12 * MiB) + 100, Small, Pool.Small, OwnerKind.Inode, 4);
        UsedRange smallLength = new(14 * MiB, 100, Pool.Small, OwnerKind.Inode, 5);
        UsedRange good = new(16 * MiB, Small, Pool.Small, OwnerKind.Inode, 6);

        var allocator = ExtentAllocator.Rebuild(64 * MiB, [Header, largeOffset, largeLength, smallOffset, smallLength, good], (range, message) => problems.Add((range, message)));

        Assert.Equal(4, problems.Count);
        Assert.All(problems, p => Assert.Contains("not aligned", p.Message, StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Range == good);
        AssertSameFreeSpace(RebuildClean(64 * MiB, [Header, good]), allocator);
    }

    [Theory]
    [InlineData(64L << 20, 2L << 20)]              // starts at the end
    [InlineData(62L << 20, 4L << 20)]              // runs past the end
    [InlineData(-(2L << 20), 2L << 20)]            // negative start
    [InlineData(4L << 20, 0)]                      // empty
    [InlineData(4L << 20, -(2L << 20))]            // negative length
    [InlineData(long.MaxValue - (1L << 20), 2L << 20)] // end overflows
    public void Rebuild_RangeOutsideTheRegion_IsReportedAndLeftOut(long start, long length)
    {
        var problems = new List<(UsedRange Range, string Message)>();
        UsedRange bad = new(start, length, Pool.Large, OwnerKind.Inode, 3);

        var allocator = ExtentAllocator.Rebuild(64 * MiB, [Header, bad], (range, message) => problems.Add((range, message)));

        var problem = Assert.Single(problems);
        Assert.Equal(bad, problem.Range);
        Assert.Contains("outside the region", problem.Message, StringComparison.Ordinal);
        AssertSameFreeSpace(Fresh(64 * MiB), allocator);
    }

    [Fact]
    public void Rebuild_SmallRangesInOneGranule_MakeThatGranuleSmallPoolOnly()
    {
        UsedRange a = new(2 * MiB, Small, Pool.Small, OwnerKind.Inode, 2);
        UsedRange b = new((2 * MiB) + (8 * Small), Small, Pool.Small, OwnerKind.Inode, 3);
        var allocator = RebuildClean(64 * MiB, [Header, a, b]);
        Assert.Equal([new Range(4 * MiB, 60 * MiB)], allocator.LargeFreeRanges);
        Assert.Equal([new Range((2 * MiB) + Small, 7 * Small), new Range((2 * MiB) + (9 * Small), Large - (9 * Small))], allocator.SmallFreeRanges);
    }

    private static UsedRange Used(ExtentRecord extent, Pool pool) => new(extent.RegionOffset, extent.Length, pool, OwnerKind.Inode, (ulong)extent.RegionOffset);
}
