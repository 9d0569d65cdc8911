using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region;

public sealed partial class PersistentRegion
{
    /// <summary>The first allocation of a replacement; later ones double what was written, up to <see cref="MaxReplacementStep"/>.</summary>
    private const long MinReplacementStep = 64 * 1024;

    /// <summary>The largest single allocation of a replacement (bounds the unused tail a stream can hold).</summary>
    private const long MaxReplacementStep = 64L << 20;

    /// <summary>Replacements in progress: their extents are taken from free space but named by no inode.</summary>
    private readonly HashSet<ContentsReplacement> _replacements = [];

    /// <summary>
    /// Starts replacing the contents of the DEVICE_STATE or BLOB file at <paramref name="path"/> (see
    /// <see cref="ContentsReplacement"/>). The caller appends the new bytes, then commits or disposes.
    /// </summary>
    public ContentsReplacement BeginContentsReplacement(string path)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
            var node = ResolveContents(path, "replace the contents of");
            Dma.ThrowIfPinned(node, 0, "replace the contents of");
            var replacement = new ContentsReplacement(this, node, path);
            _replacements.Add(replacement);
            return replacement;
        }
    }

    /// <summary>A reader of the current contents of the DEVICE_STATE or BLOB file at <paramref name="path"/>.</summary>
    public ContentsReader OpenContentsReader(string path)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return new ContentsReader(this, ResolveContents(path, "read the contents of"));
        }
    }

    internal void AppendReplacement(ContentsReplacement replacement, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfNotOpen(replacement);
            while (!data.IsEmpty)
            {
                if (replacement.Length == replacement.Capacity)
                {
                    AddReplacementSpace(replacement, data.Length);
                }

                var (index, offset) = replacement.Cursor;
                var extent = replacement.Extents[index];
                var count = (int)Math.Min(data.Length, extent.Length - offset);
                data[..count].CopyTo(_device.Span(extent.RegionOffset + offset, count));
                data = data[count..];
                replacement.Length += count;
                replacement.Cursor = offset + count == extent.Length ? (index + 1, 0) : (index, offset + count);
            }
        }
    }

    internal RegionFileInfo CommitReplacement(ContentsReplacement replacement)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfNotOpen(replacement);
            ThrowIfFrozen();
            var node = replacement.Node;
            if (!_nodes.TryGetValue(node.Number, out var live) || !ReferenceEquals(live, node))
            {
                throw new RegionException(RegionError.NotFound, $"'{replacement.Path}' was removed while its new contents were written; nothing was changed");
            }

            Dma.ThrowIfPinned(node, 0, "replace the contents of");
            var size = replacement.Length;
            var allocation = AllocationFor(node.Kind, size);
            var (extents, spare) = SplitAt(replacement.Extents, allocation);

            // The rest of the last granule may hold a previous owner's bytes: the owner could map them.
            ZeroRange(extents, size, allocation);
            _options.FaultInjector?.Reached(FaultPoint.ContentsStaged);

            using var transaction = BeginTransaction();
            foreach (var extent in node.Extents)
            {
                transaction.ReleaseData(extent, node.Pool);
            }

            foreach (var extent in spare)
            {
                transaction.ReleaseData(extent, Pool.Small);
            }

            SetExtents(transaction, node, extents, size);
            transaction.WriteInode(node);
            transaction.Commit();
            replacement.State = ReplacementState.Committed;
            _replacements.Remove(replacement);
            return node.ToInfo();
        }
    }

    internal void AbandonReplacement(ContentsReplacement replacement)
    {
        lock (_lock)
        {
            if (replacement.State != ReplacementState.Open)
            {
                return;
            }

            replacement.State = ReplacementState.Abandoned;
            _replacements.Remove(replacement);
            if (!_disposed)
            {
                foreach (var extent in replacement.Extents)
                {
                    _allocator.FreeSmall(extent.RegionOffset, extent.Length);
                }
            }
        }
    }

    internal int ReadContents(ContentsReader reader, long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        lock (_lock)
        {
            ThrowIfDisposed();
            var node = reader.Node;
            if (!_nodes.TryGetValue(node.Number, out var live) || !ReferenceEquals(live, node)
                || !ReferenceEquals(node.Extents, reader.Extents) || node.Size != reader.Size)
            {
                throw new RegionException(RegionError.Conflict, $"'{reader.File.Path}' was changed or removed while its contents were read; read it again");
            }

            var count = (int)Math.Min(destination.Length, Math.Max(0, reader.Size - offset));
            var copied = 0;
            long position = 0;
            foreach (var extent in reader.Extents)
            {
                if (copied == count)
                {
                    break;
                }

                var from = offset + copied;
                if (from < position + extent.Length)
                {
                    var length = (int)Math.Min(count - copied, position + extent.Length - from);
                    _device.Span(extent.RegionOffset + (from - position), length).CopyTo(destination[copied..]);
                    copied += length;
                }

                position += extent.Length;
            }

            return copied;
        }
    }

    /// <summary>
    /// A repair reloaded the indexes from the metadata, which never named the replacements' extents: they are free in
    /// the new allocator already, so the replacements are voided without freeing anything.
    /// </summary>
    private void VoidReplacements()
    {
        foreach (var replacement in _replacements)
        {
            replacement.State = ReplacementState.Voided;
        }

        _replacements.Clear();
    }

    /// <summary>Bytes the replacements in progress hold (taken from free space, named by no inode yet).</summary>
    private long ReplacementBytes()
    {
        long total = 0;
        foreach (var replacement in _replacements)
        {
            total += replacement.Capacity;
        }

        return total;
    }

    private Node ResolveContents(string path, string action)
    {
        var node = Resolve(path);
        if (node.Kind is not (FileKind.DeviceState or FileKind.Blob))
        {
            throw new RegionException(RegionError.WrongKind, $"cannot {action} '{path}': it is {KindName(node.Kind)}; only DEVICE_STATE and BLOB files have streamed contents");
        }

        return node;
    }

    private static string KindName(FileKind kind) => kind switch
    {
        FileKind.Directory => "a directory",
        FileKind.GuestMemory => "guest memory (map it instead)",
        FileKind.IommuPageTable => "an IOMMU page table",
        _ => kind.ToString(),
    };

    private static void ThrowIfNotOpen(ContentsReplacement replacement)
    {
        switch (replacement.State)
        {
            case ReplacementState.Open:
                return;
            case ReplacementState.Voided:
                throw new RegionException(RegionError.Conflict, $"a repair reloaded the region while new contents of '{replacement.Path}' were written; nothing was changed, write again");
            default:
                throw new InvalidOperationException($"the replacement of '{replacement.Path}' is {replacement.State.ToString().ToLowerInvariant()}");
        }
    }

    /// <summary>
    /// Takes more space for <paramref name="replacement"/>: twice what it holds, within the step bounds, and at least
    /// <paramref name="needed"/> bytes; if the region cannot give that much, just enough for <paramref name="needed"/>.
    /// </summary>
    private void AddReplacementSpace(ContentsReplacement replacement, int needed)
    {
        var minimum = RoundUpToSmallGranule(needed);
        var preferred = Math.Max(minimum, RoundUpToSmallGranule(Math.Clamp(replacement.Capacity, MinReplacementStep, MaxReplacementStep)));
        List<ExtentRecord> added;
        try
        {
            added = _allocator.AllocateSmall(preferred);
        }
        catch (RegionException e) when (e.Error == RegionError.NoSpace && preferred > minimum)
        {
            added = _allocator.AllocateSmall(minimum);
        }

        foreach (var extent in added)
        {
            var extents = replacement.Extents;
            if (extents.Count > 0 && extents[^1].End == extent.RegionOffset)
            {
                // Contiguous with the last extent, which is full: the cursor moves back to its end.
                replacement.Cursor = (extents.Count - 1, extents[^1].Length);
                extents[^1] = new ExtentRecord(extents[^1].RegionOffset, extents[^1].Length + extent.Length);
            }
            else
            {
                extents.Add(extent);
            }

            replacement.Capacity += extent.Length;
        }
    }

    private static long RoundUpToSmallGranule(long bytes) => (bytes + RegionLayout.SmallGranule - 1) / RegionLayout.SmallGranule * RegionLayout.SmallGranule;
}
