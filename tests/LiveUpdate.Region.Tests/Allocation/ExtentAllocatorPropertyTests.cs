using CsCheck;
using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Format;
using static LiveUpdate.Region.Tests.Allocation.AllocatorTesting;

namespace LiveUpdate.Region.Tests.Allocation;

/// <summary>
/// Random sequences of allocations and frees against a model that only knows which byte ranges are owned.
/// After every step: no two live extents overlap, every extent is aligned to its pool's granule and lies in
/// the allocatable part of the region, free + owned = region − header, and a <see cref="ExtentAllocator.Rebuild"/>
/// from the live extents (what attach does) gives exactly the same free ranges in both pools.
/// </summary>
public sealed class ExtentAllocatorPropertyTests
{
    private const long RegionSize = 256 * MiB;

    private static readonly Gen<AllocatorOp> s_op = Gen.Frequency(
        (3, Gen.Int[1, 48].Select(granules => (AllocatorOp)new AllocateLargeOp(granules))),
        (1, Gen.Int[64, 160].Select(granules => (AllocatorOp)new AllocateLargeOp(granules))),
        (4, Gen.Int[1, 64].Select(pages => (AllocatorOp)new AllocateSmallOp(pages))),
        (2, Gen.Int[400, 1200].Select(pages => (AllocatorOp)new AllocateSmallOp(pages))),
        (5, Gen.Int[0, 1000].Select(index => (AllocatorOp)new FreeOp(index))));

    [Fact]
    public void RandomAllocationsAndFrees_KeepTheModelsInvariants_AndRebuildAgrees()
    {
        s_op.Array[1, 200].Sample(Run, iter: 800, print: ops => string.Join(", ", ops.Select(o => o.ToString())));
    }

    private static void Run(AllocatorOp[] ops)
    {
        var allocator = Fresh(RegionSize);
        var live = new List<(List<ExtentRecord> Extents, Pool Pool)>();
        foreach (var op in ops)
        {
            switch (op)
            {
                case AllocateLargeOp large:
                    Allocate(allocator, live, Pool.Large, large.Granules * Large);
                    break;
                case AllocateSmallOp small:
                    Allocate(allocator, live, Pool.Small, small.Pages * Small);
                    break;
                case FreeOp free when live.Count > 0:
                    var victim = live[free.Index % live.Count];
                    live.Remove(victim);
                    foreach (var extent in victim.Extents)
                    {
                        allocator.Free(extent, victim.Pool);
                    }

                    break;
            }

            AssertInvariants(allocator, live);
        }
    }

    private static void Allocate(ExtentAllocator allocator, List<(List<ExtentRecord> Extents, Pool Pool)> live, Pool pool, long bytes)
    {
        var before = FreeSpaceOf(allocator);
        var available = pool == Pool.Large ? allocator.LargeFreeBytes : allocator.FreeBytes;
        var largeRanges = allocator.LargeFreeRanges.Select(r => r.Length).OrderDescending().ToList();
        List<ExtentRecord> extents;
        try
        {
            extents = pool == Pool.Large ? allocator.AllocateLarge(bytes) : allocator.AllocateSmall(bytes);
        }
        catch (RegionException ex) when (ex.Error == RegionError.NoSpace)
        {
            Assert.True(bytes > available, $"NoSpace for {bytes} bytes with {available} free in the pool");
            Assert.Equal(before, FreeSpaceOf(allocator));
            return;
        }

        Assert.True(bytes <= available, $"{bytes} bytes allocated with only {available} free");
        Assert.Equal(bytes, extents.Sum(e => e.Length));
        var granule = pool == Pool.Large ? Large : Small;
        foreach (var extent in extents)
        {
            Assert.True(extent.RegionOffset % granule == 0 && extent.Length % granule == 0 && extent.Length > 0, $"{extent} is not {granule}-aligned");
            Assert.True(extent.RegionOffset >= RegionLayout.HeaderSize && extent.End <= RegionSize, $"{extent} is outside the allocatable region");
        }

        if (pool == Pool.Large)
        {
            // Guest memory comes in the fewest pieces the free ranges allow, largest first.
            var fewest = 0;
            for (long covered = 0; covered < bytes; fewest++)
            {
                covered += largeRanges[fewest];
            }

            Assert.True(fewest == extents.Count, $"{bytes} bytes in {extents.Count} pieces, {fewest} would do: {string.Join(", ", extents)}");
            for (var i = 1; i < extents.Count; i++)
            {
                Assert.True(extents[i - 1].Length >= extents[i].Length, $"pieces not largest first: {string.Join(", ", extents)}");
            }
        }

        live.Add((extents, pool));
    }

    private static void AssertInvariants(ExtentAllocator allocator, List<(List<ExtentRecord> Extents, Pool Pool)> live)
    {
        var owned = live.SelectMany(l => l.Extents.Select(e => (e.RegionOffset, e.End))).OrderBy(r => r.RegionOffset).ToList();
        for (var i = 1; i < owned.Count; i++)
        {
            Assert.True(owned[i - 1].End <= owned[i].RegionOffset, $"live extents overlap: [{owned[i - 1].RegionOffset:x}, {owned[i - 1].End:x}) and [{owned[i].RegionOffset:x}, {owned[i].End:x})");
        }

        var ownedBytes = owned.Sum(r => r.End - r.RegionOffset);
        Assert.Equal(RegionSize - RegionLayout.HeaderSize, allocator.FreeBytes + ownedBytes);

        var used = live.SelectMany(l => l.Extents.Select(e => new UsedRange(e.RegionOffset, e.Length, l.Pool, OwnerKind.Inode, 99))).Append(Header);
        AssertSameFreeSpace(RebuildClean(RegionSize, used), allocator);
    }

    private abstract record AllocatorOp;

    private sealed record AllocateLargeOp(int Granules) : AllocatorOp;

    private sealed record AllocateSmallOp(int Pages) : AllocatorOp;

    private sealed record FreeOp(int Index) : AllocatorOp;
}
