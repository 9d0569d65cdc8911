namespace LiveUpdate.Region.Allocation;

/// <summary>
/// Free byte ranges, coalesced, indexed both by address (to merge neighbours) and by size (best fit).
/// Cost is O(log n) in the number of free ranges, independent of the region's size.
/// </summary>
internal sealed class FreeSpaceMap
{
    private readonly SortedSet<Range> _byStart = new(StartComparer.Instance);
    private readonly SortedSet<Range> _bySize = new(SizeComparer.Instance);

    /// <summary>A free range.</summary>
    public readonly record struct Range(long Start, long Length)
    {
        /// <summary>One past the last byte.</summary>
        public long End => Start + Length;
    }

    /// <summary>Total free bytes.</summary>
    public long FreeBytes { get; private set; }

    /// <summary>Number of separate free ranges.</summary>
    public int RangeCount => _byStart.Count;

    /// <summary>The largest free range's length, or 0.</summary>
    public long Largest => _bySize.Count == 0 ? 0 : _bySize.Max.Length;

    /// <summary>The free ranges in address order.</summary>
    public IEnumerable<Range> Ranges => _byStart;

    /// <summary>True when <paramref name="other"/> holds exactly the same free ranges.</summary>
    public bool SameRanges(FreeSpaceMap other)
    {
        if (FreeBytes != other.FreeBytes || _byStart.Count != other._byStart.Count)
        {
            return false;
        }

        using var theirs = other._byStart.GetEnumerator();
        foreach (var range in _byStart)
        {
            if (!theirs.MoveNext() || theirs.Current != range)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns [start, start+length) to the map, merging with free neighbours. The range must not be free already.</summary>
    public void Free(long start, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if (_byStart.TryGetValue(new Range(start, 0), out var same))
        {
            // Neither a predecessor nor a successor: a free range that starts exactly here (a double free).
            throw new InvalidOperationException($"freeing [0x{start:x}, +0x{length:x}) overlaps free range [0x{same.Start:x}, +0x{same.Length:x})");
        }

        var merged = new Range(start, length);
        if (TryPredecessor(start, out var before))
        {
            if (before.End > start)
            {
                throw new InvalidOperationException($"freeing [0x{start:x}, +0x{length:x}) overlaps free range [0x{before.Start:x}, +0x{before.Length:x})");
            }

            if (before.End == start)
            {
                RemoveRange(before);
                merged = new Range(before.Start, before.Length + merged.Length);
            }
        }

        if (TrySuccessor(start, out var after))
        {
            if (after.Start < start + length)
            {
                throw new InvalidOperationException($"freeing [0x{start:x}, +0x{length:x}) overlaps free range [0x{after.Start:x}, +0x{after.Length:x})");
            }

            if (after.Start == start + length)
            {
                RemoveRange(after);
                merged = new Range(merged.Start, merged.Length + after.Length);
            }
        }

        AddRange(merged);
        FreeBytes += length;
    }

    /// <summary>Marks [start, start+length) used; it must lie inside one free range.</summary>
    public void Take(long start, long length)
    {
        if (!TryContaining(start, out var range) || range.End < start + length)
        {
            throw new InvalidOperationException($"[0x{start:x}, +0x{length:x}) is not free");
        }

        RemoveRange(range);
        if (start > range.Start)
        {
            AddRange(new Range(range.Start, start - range.Start));
        }

        if (range.End > start + length)
        {
            AddRange(new Range(start + length, range.End - (start + length)));
        }

        FreeBytes -= length;
    }

    /// <summary>True when all of [start, start+length) is free.</summary>
    public bool IsFree(long start, long length) => TryContaining(start, out var range) && range.End >= start + length;

    /// <summary>
    /// Finds the smallest free range that holds <paramref name="length"/> bytes at an address that is a
    /// multiple of <paramref name="alignment"/>, and returns that address without taking it.
    /// </summary>
    public bool TryFindBestFit(long length, long alignment, out long start)
    {
        foreach (var range in _bySize.GetViewBetween(new Range(long.MinValue, length), new Range(long.MaxValue, long.MaxValue)))
        {
            var aligned = AlignUp(range.Start, alignment);
            if (aligned + length <= range.End)
            {
                start = aligned;
                return true;
            }
        }

        start = 0;
        return false;
    }

    /// <summary>The largest free range, if any.</summary>
    public bool TryLargest(out Range range)
    {
        if (_bySize.Count == 0)
        {
            range = default;
            return false;
        }

        range = _bySize.Max;
        return true;
    }

    /// <summary>The free range that contains <paramref name="offset"/>, if any.</summary>
    public bool TryContaining(long offset, out Range range)
    {
        if (_byStart.TryGetValue(new Range(offset, 0), out range))
        {
            return true;
        }

        return TryPredecessor(offset, out range) && range.End > offset;
    }

    /// <summary>Rounds up to a power-of-two alignment.</summary>
    public static long AlignUp(long value, long alignment) => (value + alignment - 1) & ~(alignment - 1);

    private bool TryPredecessor(long offset, out Range range)
    {
        if (_byStart.Count == 0 || _byStart.Min.Start >= offset)
        {
            range = default;
            return false;
        }

        range = _byStart.GetViewBetween(_byStart.Min, new Range(offset - 1, 0)).Max;
        return true;
    }

    private bool TrySuccessor(long offset, out Range range)
    {
        if (_byStart.Count == 0 || _byStart.Max.Start <= offset)
        {
            range = default;
            return false;
        }

        range = _byStart.GetViewBetween(new Range(offset + 1, 0), _byStart.Max).Min;
        return true;
    }

    private void AddRange(Range range)
    {
        _byStart.Add(range);
        _bySize.Add(range);
    }

    private void RemoveRange(Range range)
    {
        _byStart.Remove(range);
        _bySize.Remove(range);
    }

    private sealed class StartComparer : IComparer<Range>
    {
        public static readonly StartComparer Instance = new();

        public int Compare(Range x, Range y) => x.Start.CompareTo(y.Start);
    }

    private sealed class SizeComparer : IComparer<Range>
    {
        public static readonly SizeComparer Instance = new();

        public int Compare(Range x, Range y)
        {
            var bySize = x.Length.CompareTo(y.Length);
            return bySize != 0 ? bySize : x.Start.CompareTo(y.Start);
        }
    }
}
