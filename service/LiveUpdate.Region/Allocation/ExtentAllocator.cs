using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Allocation;

/// <summary>
/// The bimodal extent allocator (after Akaros' mefs). Guest memory takes whole 2 MiB granules from the large
/// pool, 1 GiB aligned when the size allows; small files and metadata blocks take 4 KiB granules from the
/// small pool, which borrows 2 MiB granules from the large pool and gives each back as soon as it is wholly
/// free. Both prefer one contiguous extent (best fit) and fall back to the fewest, largest pieces.
/// No free-space state is stored in the region: attach derives it from what the inodes own (<see cref="Rebuild"/>).
/// </summary>
internal sealed class ExtentAllocator
{
    private const long Large = RegionLayout.LargeGranule;
    private const long Small = RegionLayout.SmallGranule;

    private readonly FreeSpaceMap _large = new();
    private readonly FreeSpaceMap _small = new();

    private ExtentAllocator(long regionSize) => RegionSize = regionSize;

    /// <summary>Size of the region managed.</summary>
    public long RegionSize { get; }

    /// <summary>Free bytes in whole large granules.</summary>
    public long LargeFreeBytes => _large.FreeBytes;

    /// <summary>Free bytes inside granules lent to the small pool.</summary>
    public long SmallFreeBytes => _small.FreeBytes;

    /// <summary>All free bytes.</summary>
    public long FreeBytes => _large.FreeBytes + _small.FreeBytes;

    /// <summary>Largest contiguous free run in the large pool.</summary>
    public long LargestLargeFree => _large.Largest;

    /// <summary>Free ranges of the large pool in address order.</summary>
    public IEnumerable<FreeSpaceMap.Range> LargeFreeRanges => _large.Ranges;

    /// <summary>Free ranges of the small pool in address order.</summary>
    public IEnumerable<FreeSpaceMap.Range> SmallFreeRanges => _small.Ranges;

    /// <summary>Free-range counts (a fragmentation measure).</summary>
    public (int Large, int Small) RangeCounts => (_large.RangeCount, _small.RangeCount);

    /// <summary>True when <paramref name="other"/> has exactly the same free ranges in both pools.</summary>
    public bool SameFreeSpace(ExtentAllocator other) => _large.SameRanges(other._large) && _small.SameRanges(other._small);

    /// <summary>
    /// Rebuilds free space from the ranges metadata says are used; every overlap, misalignment or range
    /// outside the region is reported through <paramref name="problem"/> and left out.
    /// </summary>
    public static ExtentAllocator Rebuild(long regionSize, List<UsedRange> used, Action<UsedRange, string> problem)
    {
        var allocator = new ExtentAllocator(regionSize);
        used.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Length.CompareTo(b.Length));

        // Validate each range and find overlaps against the furthest-reaching range seen so far.
        var valid = new List<UsedRange>(used.Count);
        UsedRange? reach = null;
        foreach (var range in used)
        {
            var granule = range.Pool == Pool.Large ? Large : Small;
            if (range.Length <= 0 || range.Start < 0 || range.Start > regionSize - range.Length)
            {
                problem(range, $"range [0x{range.Start:x}, +0x{range.Length:x}) lies outside the region of 0x{regionSize:x} bytes");
                continue;
            }

            if (range.Start % granule != 0 || range.Length % granule != 0)
            {
                problem(range, $"range [0x{range.Start:x}, +0x{range.Length:x}) is not aligned to its {granule}-byte granule");
                continue;
            }

            if (reach is { } previous && previous.End > range.Start)
            {
                problem(range, $"range [0x{range.Start:x}, +0x{range.Length:x}) overlaps {previous.Owner} [0x{previous.Start:x}, +0x{previous.Length:x})");
                continue;
            }

            valid.Add(range);
            if (reach is null || range.End > reach.Value.End)
            {
                reach = range;
            }
        }

        // Granules that hold any small use belong to the small pool; the rest of the unused space is large.
        var occupied = new List<(long Start, long End)>();
        var smallChunks = new List<(long Start, long End)>();
        foreach (var range in valid)
        {
            if (range.Pool == Pool.Large)
            {
                Append(occupied, range.Start, range.End);
            }
            else
            {
                var chunkStart = range.Start / Large * Large;
                var chunkEnd = FreeSpaceMap.AlignUp(range.End, Large);
                Append(smallChunks, chunkStart, chunkEnd);
                Append(occupied, chunkStart, chunkEnd);
            }
        }

        occupied.Sort((a, b) => a.Start.CompareTo(b.Start));
        long cursor = 0;
        foreach (var (start, end) in occupied)
        {
            if (start > cursor)
            {
                allocator._large.Free(cursor, start - cursor);
            }

            cursor = Math.Max(cursor, end);
        }

        if (regionSize > cursor)
        {
            allocator._large.Free(cursor, regionSize - cursor);
        }

        var index = 0;
        foreach (var (chunkStart, chunkEnd) in smallChunks)
        {
            var position = chunkStart;
            for (; index < valid.Count && valid[index].Start < chunkEnd; index++)
            {
                var range = valid[index];
                if (range.Pool != Pool.Small || range.End <= chunkStart)
                {
                    continue;
                }

                if (range.Start > position)
                {
                    allocator._small.Free(position, range.Start - position);
                }

                position = Math.Max(position, range.End);
            }

            if (chunkEnd > position)
            {
                allocator._small.Free(position, chunkEnd - position);
            }
        }

        return allocator;
    }

    /// <summary>Allocates <paramref name="bytes"/> (a multiple of 2 MiB) of guest memory, or throws <see cref="RegionError.NoSpace"/> having taken nothing.</summary>
    public List<ExtentRecord> AllocateLarge(long bytes)
    {
        RequireMultiple(bytes, Large);
        var extents = new List<ExtentRecord>(1);
        if ((bytes >= RegionLayout.HugeAlignment && _large.TryFindBestFit(bytes, RegionLayout.HugeAlignment, out var start))
            || _large.TryFindBestFit(bytes, Large, out start))
        {
            _large.Take(start, bytes);
            extents.Add(new ExtentRecord(start, bytes));
            return extents;
        }

        if (_large.FreeBytes < bytes)
        {
            throw NoSpace(bytes, "guest memory", _large.FreeBytes);
        }

        var remaining = bytes;
        while (remaining > 0)
        {
            _large.TryLargest(out var range);
            var take = Math.Min(range.Length, remaining);
            _large.Take(range.Start, take);
            extents.Add(new ExtentRecord(range.Start, take));
            remaining -= take;
        }

        return extents;
    }

    /// <summary>Takes [<paramref name="start"/>, +<paramref name="bytes"/>) from the large pool if it is free (growing a file in place).</summary>
    public bool TryTakeLarge(long start, long bytes)
    {
        if (start % Large != 0 || bytes % Large != 0 || !_large.IsFree(start, bytes))
        {
            return false;
        }

        _large.Take(start, bytes);
        return true;
    }

    /// <summary>Returns guest memory to the large pool.</summary>
    public void FreeLarge(long start, long bytes)
    {
        RequireMultiple(bytes, Large);
        _large.Free(start, bytes);
    }

    /// <summary>Allocates <paramref name="bytes"/> (a multiple of 4 KiB) from the small pool, or throws <see cref="RegionError.NoSpace"/> having taken nothing.</summary>
    public List<ExtentRecord> AllocateSmall(long bytes)
    {
        RequireMultiple(bytes, Small);
        var extents = new List<ExtentRecord>(1);
        if (_small.TryFindBestFit(bytes, Small, out var start))
        {
            _small.Take(start, bytes);
            extents.Add(new ExtentRecord(start, bytes));
            return extents;
        }

        var granules = FreeSpaceMap.AlignUp(bytes, Large);
        if (_large.TryFindBestFit(granules, Large, out var chunk))
        {
            Lend(chunk, granules);
            _small.TryFindBestFit(bytes, Small, out start);
            _small.Take(start, bytes);
            ReturnWholeGranules(start + bytes); // the lent run may have merged with a free tail below it
            extents.Add(new ExtentRecord(start, bytes));
            return extents;
        }

        if (FreeBytes < bytes)
        {
            throw NoSpace(bytes, "small files", FreeBytes);
        }

        var remaining = bytes;
        while (remaining > 0)
        {
            if (!_small.TryLargest(out var range))
            {
                _large.TryLargest(out var largest);
                Lend(largest.Start, Math.Min(largest.Length, FreeSpaceMap.AlignUp(remaining, Large)));
                continue;
            }

            var take = Math.Min(range.Length, remaining);
            _small.Take(range.Start, take);
            if (take < range.Length)
            {
                ReturnWholeGranules(range.Start + take);
            }

            extents.Add(new ExtentRecord(range.Start, take));
            remaining -= take;
        }

        return extents;
    }

    /// <summary>Returns small-pool space; wholly free granules go back to the large pool.</summary>
    public void FreeSmall(long start, long bytes)
    {
        RequireMultiple(bytes, Small);
        _small.Free(start, bytes);
        ReturnWholeGranules(start);
    }

    /// <summary>
    /// Gives the wholly free granules of the small free range that holds <paramref name="offset"/> back to the
    /// large pool, so the small pool only ever holds partly used granules (what <see cref="Rebuild"/> derives).
    /// </summary>
    private void ReturnWholeGranules(long offset)
    {
        if (!_small.TryContaining(offset, out var range))
        {
            return;
        }

        var first = FreeSpaceMap.AlignUp(range.Start, Large);
        var end = range.End / Large * Large;
        if (end > first)
        {
            _small.Take(first, end - first);
            _large.Free(first, end - first);
        }
    }

    /// <summary>Frees an extent into the pool its kind uses.</summary>
    public void Free(ExtentRecord extent, Pool pool)
    {
        if (pool == Pool.Large)
        {
            FreeLarge(extent.RegionOffset, extent.Length);
        }
        else
        {
            FreeSmall(extent.RegionOffset, extent.Length);
        }
    }

    private void Lend(long start, long bytes)
    {
        _large.Take(start, bytes);
        _small.Free(start, bytes);
    }

    private static void Append(List<(long Start, long End)> ranges, long start, long end)
    {
        if (ranges.Count > 0 && ranges[^1].End >= start)
        {
            ranges[^1] = (ranges[^1].Start, Math.Max(ranges[^1].End, end));
        }
        else
        {
            ranges.Add((start, end));
        }
    }

    private static void RequireMultiple(long bytes, long granule)
    {
        if (bytes <= 0 || bytes % granule != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), $"{bytes} is not a positive multiple of {granule}");
        }
    }

    private static RegionException NoSpace(long bytes, string pool, long free) =>
        new(RegionError.NoSpace, $"the region has no room for {bytes} bytes of {pool}: {free} bytes free");
}
