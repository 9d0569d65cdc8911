using LiveUpdate.Region.Allocation;
using Range = LiveUpdate.Region.Allocation.FreeSpaceMap.Range;

namespace LiveUpdate.Region.Tests.Allocation;

public sealed class FreeSpaceMapTests
{
    [Fact]
    public void Free_BetweenTwoFreeRanges_CoalescesBothNeighbours()
    {
        var map = new FreeSpaceMap();
        map.Free(0, 10);
        map.Free(20, 10);
        Assert.Equal(2, map.RangeCount);

        map.Free(10, 10);

        Assert.Equal([new Range(0, 30)], map.Ranges);
        Assert.Equal(30, map.FreeBytes);
        Assert.Equal(30, map.Largest);
    }

    [Fact]
    public void Free_AdjacentOnOneSide_CoalescesThatSideOnly()
    {
        var map = new FreeSpaceMap();
        map.Free(0, 10);
        map.Free(40, 10);
        map.Free(10, 5);
        map.Free(30, 10);
        Assert.Equal([new Range(0, 15), new Range(30, 20)], map.Ranges);
        Assert.Equal(35, map.FreeBytes);
    }

    [Fact]
    public void Free_NotAdjacent_KeepsSeparateRangesInAddressOrder()
    {
        var map = new FreeSpaceMap();
        map.Free(100, 10);
        map.Free(0, 10);
        map.Free(50, 10);
        Assert.Equal([new Range(0, 10), new Range(50, 10), new Range(100, 10)], map.Ranges);
        Assert.Equal(3, map.RangeCount);
    }

    [Fact]
    public void Take_FromTheMiddle_SplitsTheRange()
    {
        var map = new FreeSpaceMap();
        map.Free(0, 100);
        map.Take(40, 20);
        Assert.Equal([new Range(0, 40), new Range(60, 40)], map.Ranges);
        Assert.Equal(80, map.FreeBytes);
        Assert.False(map.IsFree(40, 1));
        Assert.True(map.IsFree(0, 40));
        Assert.True(map.IsFree(60, 40));
        Assert.False(map.IsFree(30, 20));
    }

    [Fact]
    public void Take_AtEitherEnd_LeavesOnePiece()
    {
        var map = new FreeSpaceMap();
        map.Free(0, 100);
        map.Take(0, 10);
        map.Take(90, 10);
        Assert.Equal([new Range(10, 80)], map.Ranges);
        map.Take(10, 80);
        Assert.Empty(map.Ranges);
        Assert.Equal(0, map.FreeBytes);
        Assert.Equal(0, map.Largest);
        Assert.False(map.TryLargest(out _));
    }

    [Fact]
    public void Take_NotWhollyFree_ThrowsAndChangesNothing()
    {
        var map = new FreeSpaceMap();
        map.Free(0, 10);
        map.Free(20, 10);
        Assert.Throws<InvalidOperationException>(() => map.Take(5, 10));
        Assert.Throws<InvalidOperationException>(() => map.Take(10, 5));
        Assert.Throws<InvalidOperationException>(() => map.Take(15, 10));
        Assert.Equal([new Range(0, 10), new Range(20, 10)], map.Ranges);
        Assert.Equal(20, map.FreeBytes);
    }

    [Fact]
    public void TryFindBestFit_PicksTheSmallestRangeThatFits()
    {
        var map = new FreeSpaceMap();
        map.Free(0, 100);
        map.Free(200, 30);
        map.Free(300, 50);
        map.Free(400, 45);

        Assert.True(map.TryFindBestFit(40, 1, out var start));
        Assert.Equal(400, start);
        Assert.True(map.TryFindBestFit(46, 1, out start));
        Assert.Equal(300, start);
        Assert.True(map.TryFindBestFit(30, 1, out start));
        Assert.Equal(200, start);
        Assert.True(map.TryFindBestFit(100, 1, out start));
        Assert.Equal(0, start);
        Assert.False(map.TryFindBestFit(101, 1, out _));
        Assert.Equal(225, map.FreeBytes); // finding takes nothing
    }

    [Fact]
    public void TryFindBestFit_EqualSizes_PicksTheLowestAddress()
    {
        var map = new FreeSpaceMap();
        map.Free(300, 10);
        map.Free(100, 10);
        map.Free(200, 10);
        Assert.True(map.TryFindBestFit(10, 1, out var start));
        Assert.Equal(100, start);
    }

    [Fact]
    public void TryFindBestFit_HonoursAlignment_SkippingASmallerRangeThatFitsOnlyUnaligned()
    {
        var map = new FreeSpaceMap();
        map.Free(4096 + 512, 8192);        // 8 KiB, but its first 4 KiB-aligned address leaves only 7.5 KiB
        map.Free(65536 + 1024, 16384);     // larger, aligned start 69632 leaves 13 KiB
        Assert.True(map.TryFindBestFit(8192, 4096, out var start));
        Assert.Equal(69632, start);
        Assert.Equal(0, start % 4096);

        Assert.True(map.TryFindBestFit(4096, 4096, out start));
        Assert.Equal(8192, start); // the smaller range fits 4 KiB at its aligned address

        Assert.False(map.TryFindBestFit(16384, 4096, out _)); // 16 KiB is free, but not at a 4 KiB boundary
    }

    [Fact]
    public void Free_Twice_Throws()
    {
        var map = new FreeSpaceMap();
        map.Free(0, 10);
        map.Free(20, 10);
        Assert.Throws<InvalidOperationException>(() => map.Free(20, 10));
        Assert.Throws<InvalidOperationException>(() => map.Free(0, 10));
        Assert.Equal([new Range(0, 10), new Range(20, 10)], map.Ranges);
        Assert.Equal(20, map.FreeBytes);
    }

    [Fact]
    public void Free_SameStartDifferentLength_Throws()
    {
        var map = new FreeSpaceMap();
        map.Free(100, 10);
        Assert.Throws<InvalidOperationException>(() => map.Free(100, 5));
        Assert.Throws<InvalidOperationException>(() => map.Free(100, 50));
        Assert.Equal([new Range(100, 10)], map.Ranges);
        Assert.Equal(10, map.FreeBytes);
    }

    [Theory]
    [InlineData(5, 10)]   // overlaps the tail of [0, 10)
    [InlineData(15, 10)]  // overlaps the head of [20, 30)
    [InlineData(5, 30)]   // spans both
    [InlineData(22, 2)]   // inside [20, 30)
    [InlineData(-5, 10)]  // overlaps the head of [0, 10)
    public void Free_OverlappingAFreeRange_Throws(long start, long length)
    {
        var map = new FreeSpaceMap();
        map.Free(0, 10);
        map.Free(20, 10);
        Assert.Throws<InvalidOperationException>(() => map.Free(start, length));
        Assert.Equal([new Range(0, 10), new Range(20, 10)], map.Ranges);
        Assert.Equal(20, map.FreeBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Free_NonPositiveLength_Throws(long length)
    {
        var map = new FreeSpaceMap();
        Assert.Throws<ArgumentOutOfRangeException>(() => map.Free(0, length));
        Assert.Equal(0, map.FreeBytes);
    }

    [Fact]
    public void TryContaining_FindsTheRangeHoldingAnOffset()
    {
        var map = new FreeSpaceMap();
        map.Free(10, 10);
        Assert.True(map.TryContaining(10, out var range));
        Assert.Equal(new Range(10, 10), range);
        Assert.True(map.TryContaining(19, out range));
        Assert.Equal(new Range(10, 10), range);
        Assert.False(map.TryContaining(20, out _));
        Assert.False(map.TryContaining(9, out _));
    }

    [Fact]
    public void Largest_TracksTheBiggestRangeThroughSplitsAndMerges()
    {
        var map = new FreeSpaceMap();
        map.Free(0, 100);
        map.Free(200, 300);
        Assert.Equal(300, map.Largest);
        map.Take(250, 100); // [200,250) [350,500)
        Assert.Equal(150, map.Largest);
        map.Free(100, 100); // merges [0,250)
        Assert.Equal(250, map.Largest);
        Assert.True(map.TryLargest(out var largest));
        Assert.Equal(new Range(0, 250), largest);
    }

    [Theory]
    [InlineData(0, 4096, 0)]
    [InlineData(1, 4096, 4096)]
    [InlineData(4096, 4096, 4096)]
    [InlineData(4097, 2097152, 2097152)]
    public void AlignUp_RoundsUpToAPowerOfTwo(long value, long alignment, long expected)
    {
        Assert.Equal(expected, FreeSpaceMap.AlignUp(value, alignment));
    }
}
