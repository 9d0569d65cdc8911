using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region;

public sealed partial class PersistentRegion
{
    /// <summary>
    /// Creates a file of <paramref name="size"/> bytes whose contents read as zeros. Guest memory sizes are
    /// positive multiples of 2 MiB; other kinds round up to 4 KiB.
    /// </summary>
    public RegionFileInfo CreateFile(string path, long size, FileKind kind, CreateFileOptions options = default)
    {
        if (kind == FileKind.Directory)
        {
            throw RegionException.Invalid("use MakeDirectory to create a directory");
        }

        ValidateKind(kind);
        var allocation = AllocationFor(kind, size);
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
            var (parent, name) = ResolveNew(path);
            ThrowIfDmaName(parent, name, path);
            return CreateCore(parent, name, kind, size, allocation, options).ToInfo(path);
        }
    }

    /// <summary>Creates an empty directory.</summary>
    public RegionFileInfo MakeDirectory(string path, CreateFileOptions options = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
            var (parent, name) = ResolveNew(path);
            ThrowIfDmaName(parent, name, path);
            return CreateCore(parent, name, FileKind.Directory, 0, 0, options).ToInfo(path);
        }
    }

    /// <summary>Grows or shrinks a file. New bytes read as zeros; guest memory grows in place when the next granules are free.</summary>
    public RegionFileInfo Resize(string path, long size)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
            var node = Resolve(path);
            if (node.IsDirectory)
            {
                throw new RegionException(RegionError.WrongKind, $"'{path}' is a directory");
            }

            ThrowIfDmaManaged(node, path);
            var allocation = AllocationFor(node.Kind, size);
            var current = node.AllocatedBytes;
            if (allocation < current)
            {
                ThrowIfPinned(node, allocation, $"shrink to {size} bytes");
            }

            // The slack past the old size in the last granule may hold bytes the owner wrote past the end through
            // its mapping; growth must expose zeros. Clearing it before the commit is safe: it is past the old size.
            ZeroFileRange(node, node.Size, Math.Min(size, current));
            if (allocation > current)
            {
                Grow(node, allocation - current, size);
            }
            else
            {
                Shrink(node, allocation, size);
            }

            return node.ToInfo(path);
        }
    }

    /// <summary>Moves or renames a file or directory. The target must not exist.</summary>
    public RegionFileInfo Rename(string path, string newPath)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
            var node = Resolve(path);
            if (ReferenceEquals(node, _root))
            {
                throw RegionException.Invalid("the root directory cannot be renamed");
            }

            ThrowIfDmaManaged(node, path);
            var (parent, name) = ResolveNew(newPath);
            ThrowIfDmaName(parent, name, newPath);
            for (var ancestor = parent; ; ancestor = ancestor.Parent!)
            {
                if (ReferenceEquals(ancestor, node))
                {
                    throw RegionException.Invalid($"cannot move '{path}' into itself ('{newPath}')");
                }

                if (ReferenceEquals(ancestor, _root))
                {
                    break;
                }
            }

            var oldParent = node.Parent!;
            var oldName = node.Name;
            var oldModified = node.ModifiedUnixMs;
            node.Parent = parent;
            node.Name = name;
            node.Generation++;
            node.ModifiedUnixMs = NowUnixMs();
            try
            {
                InodeWriter.Write(_transaction, node, _inodes.SlotOffset(node.Number));
                _journal.Commit(_transaction);
            }
            catch
            {
                _transaction.Clear();
                node.Parent = oldParent;
                node.Name = oldName;
                node.Generation--;
                node.ModifiedUnixMs = oldModified;
                throw;
            }

            oldParent.Children!.Remove(oldName);
            parent.Children!.Add(name, node);
            return node.ToInfo(newPath);
        }
    }

    /// <summary>Removes a file or an empty directory; its space is scrubbed before anyone else gets it.</summary>
    public void Remove(string path)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
            var node = Resolve(path);
            if (ReferenceEquals(node, _root))
            {
                throw RegionException.Invalid("the root directory cannot be removed");
            }

            ThrowIfDmaManaged(node, path);
            if (node.Children is { Count: > 0 })
            {
                throw new RegionException(RegionError.NotEmpty, $"directory '{path}' is not empty");
            }

            ThrowIfPinned(node, 0, "remove");

            InodeWriter.WriteFree(_transaction, node.Number, node.Generation, _inodes.SlotOffset(node.Number));
            try
            {
                _journal.Commit(_transaction);
            }
            catch
            {
                _transaction.Clear();
                throw;
            }

            node.Parent!.Children!.Remove(node.Name);
            _nodes.Remove(node.Number);
            _inodes.Release(node.Number, node.Generation);
            foreach (var extent in node.Extents)
            {
                _allocator.Free(extent, node.Pool);
            }

            FreeExtentBlocks(node.ExtentBlocks);
        }
    }

    private Node CreateCore(Node parent, string name, FileKind kind, long size, long allocation, CreateFileOptions options)
    {
        EnsureFreeInode();
        var extents = allocation == 0 ? [] : Allocate(kind, allocation);
        var blocks = new List<long>();
        _inodes.TryTake(out var number, out var generation);
        var now = NowUnixMs();
        var node = new Node
        {
            Number = number,
            Generation = generation,
            Kind = kind,
            Name = name,
            Parent = parent,
            Size = size,
            OwnerUid = options.OwnerUid,
            Mode = options.Mode ?? (kind == FileKind.Directory ? CreateFileOptions.DefaultDirectoryMode : CreateFileOptions.DefaultFileMode),
            VmUuid = options.VmUuid,
            InstanceId = _options.NewInstanceId(),
            CreatedUnixMs = now,
            ModifiedUnixMs = now,
            Extents = extents,
            ExtentBlocks = blocks,
            Children = kind == FileKind.Directory ? new Dictionary<string, Node>(StringComparer.Ordinal) : null,
        };
        try
        {
            ResizeExtentBlocks(node);
            ZeroNewExtents(extents);
            InodeWriter.Write(_transaction, node, _inodes.SlotOffset(number));
            _journal.Commit(_transaction);
        }
        catch
        {
            _transaction.Clear();
            _inodes.Release(number, generation - 1);
            foreach (var extent in extents)
            {
                _allocator.Free(extent, node.Pool);
            }

            foreach (var block in node.ExtentBlocks)
            {
                _allocator.FreeSmall(block, ExtentBlock.TotalSize);
            }

            throw;
        }

        parent.Children!.Add(name, node);
        _nodes.Add(number, node);
        return node;
    }

    private void Grow(Node node, long delta, long size)
    {
        var added = new List<ExtentRecord>();
        var last = node.Extents.Count > 0 ? node.Extents[^1] : default;
        if (node.Pool == Pool.Large && node.Extents.Count > 0 && _allocator.TryTakeLarge(last.End, delta))
        {
            added.Add(new ExtentRecord(last.End, delta));
        }
        else
        {
            added.AddRange(Allocate(node.Kind, delta));
        }

        var oldExtents = node.Extents;
        var oldBlocks = new List<long>(node.ExtentBlocks);
        var oldSize = node.Size;
        var oldModified = node.ModifiedUnixMs;
        var extents = new List<ExtentRecord>(oldExtents);
        foreach (var extent in added)
        {
            if (extents.Count > 0 && extents[^1].End == extent.RegionOffset)
            {
                extents[^1] = new ExtentRecord(extents[^1].RegionOffset, extents[^1].Length + extent.Length);
            }
            else
            {
                extents.Add(extent);
            }
        }

        node.Extents = extents;
        node.Size = size;
        node.Generation++;
        node.ModifiedUnixMs = NowUnixMs();
        try
        {
            ResizeExtentBlocks(node);
            ZeroNewExtents(added);
            InodeWriter.Write(_transaction, node, _inodes.SlotOffset(node.Number));
            _journal.Commit(_transaction);
        }
        catch
        {
            _transaction.Clear();
            foreach (var block in node.ExtentBlocks.Except(oldBlocks))
            {
                _allocator.FreeSmall(block, ExtentBlock.TotalSize);
            }

            foreach (var extent in added)
            {
                _allocator.Free(extent, node.Pool);
            }

            node.Extents = oldExtents;
            node.ExtentBlocks = oldBlocks;
            node.Size = oldSize;
            node.Generation--;
            node.ModifiedUnixMs = oldModified;
            throw;
        }
    }

    private void Shrink(Node node, long allocation, long size)
    {
        var (kept, freed) = SplitAt(node.Extents, allocation);

        var oldExtents = node.Extents;
        var oldBlocks = new List<long>(node.ExtentBlocks);
        var oldSize = node.Size;
        var oldModified = node.ModifiedUnixMs;
        node.Extents = kept;
        node.Size = size;
        node.Generation++;
        node.ModifiedUnixMs = NowUnixMs();
        try
        {
            ResizeExtentBlocks(node);
            InodeWriter.Write(_transaction, node, _inodes.SlotOffset(node.Number));
            _journal.Commit(_transaction);
        }
        catch
        {
            _transaction.Clear();
            node.Extents = oldExtents;
            node.ExtentBlocks = oldBlocks;
            node.Size = oldSize;
            node.Generation--;
            node.ModifiedUnixMs = oldModified;
            throw;
        }

        foreach (var extent in freed)
        {
            _allocator.Free(extent, node.Pool);
        }

        FreeExtentBlocks(oldBlocks.Except(node.ExtentBlocks).ToList());
    }

    /// <summary>Clears file bytes [<paramref name="from"/>, <paramref name="to"/>) through the file's extents.</summary>
    private void ZeroFileRange(Node node, long from, long to) => ZeroRange(node.Extents, from, to);

    /// <summary>Clears bytes [<paramref name="from"/>, <paramref name="to"/>) of a file laid out in <paramref name="extents"/>.</summary>
    private void ZeroRange(List<ExtentRecord> extents, long from, long to)
    {
        long position = 0;
        foreach (var extent in extents)
        {
            var start = Math.Max(from, position);
            var end = Math.Min(to, position + extent.Length);
            if (start < end)
            {
                _device.Zero(extent.RegionOffset + (start - position), end - start);
            }

            position += extent.Length;
        }
    }

    /// <summary>The extents covering the first <paramref name="allocation"/> bytes of a file, and the rest.</summary>
    private static (List<ExtentRecord> Kept, List<ExtentRecord> Beyond) SplitAt(List<ExtentRecord> extents, long allocation)
    {
        var kept = new List<ExtentRecord>();
        var rest = new List<ExtentRecord>();
        long position = 0;
        foreach (var extent in extents)
        {
            if (position + extent.Length <= allocation)
            {
                kept.Add(extent);
            }
            else if (position >= allocation)
            {
                rest.Add(extent);
            }
            else
            {
                var keep = allocation - position;
                kept.Add(new ExtentRecord(extent.RegionOffset, keep));
                rest.Add(new ExtentRecord(extent.RegionOffset + keep, extent.Length - keep));
            }

            position += extent.Length;
        }

        return (kept, rest);
    }

    /// <summary>Allocates or frees overflow extent blocks so the node has exactly as many as its extents need.</summary>
    private void ResizeExtentBlocks(Node node)
    {
        var needed = InodeWriter.BlocksNeeded(node.Extents.Count);
        if (needed > node.ExtentBlocks.Count)
        {
            var blocks = new List<long>(node.ExtentBlocks);
            try
            {
                while (blocks.Count < needed)
                {
                    blocks.Add(_allocator.AllocateSmall(ExtentBlock.TotalSize)[0].RegionOffset);
                }
            }
            catch
            {
                foreach (var block in blocks.Skip(node.ExtentBlocks.Count))
                {
                    _allocator.FreeSmall(block, ExtentBlock.TotalSize);
                }

                throw;
            }

            node.ExtentBlocks = blocks;
        }
        else if (needed < node.ExtentBlocks.Count)
        {
            node.ExtentBlocks = node.ExtentBlocks.GetRange(0, needed);
        }
    }

    /// <summary>
    /// Releases extent blocks no committed inode names any more. A journal record written before now may
    /// still hold their old image, so the checkpoint moves past it before the space can be reused.
    /// </summary>
    private void FreeExtentBlocks(List<long> blocks)
    {
        if (blocks.Count == 0)
        {
            return;
        }

        _journal.CheckpointHere();
        foreach (var block in blocks)
        {
            _allocator.FreeSmall(block, ExtentBlock.TotalSize);
        }
    }

    private List<ExtentRecord> Allocate(FileKind kind, long bytes) =>
        Node.PoolOf(kind) == Pool.Large ? _allocator.AllocateLarge(bytes) : _allocator.AllocateSmall(bytes);

    /// <summary>Zero-on-allocate: space is scrubbed before its new owner can see it, and before the inode that grants it is committed.</summary>
    private void ZeroNewExtents(List<ExtentRecord> extents)
    {
        if (extents.Count == 0)
        {
            return;
        }

        foreach (var extent in extents)
        {
            _device.Zero(extent.RegionOffset, extent.Length);
        }

        _options.FaultInjector?.Reached(FaultPoint.DataZeroed);
    }

    /// <summary>Makes sure a free inode slot exists, adding a chunk in a transaction of its own if needed.</summary>
    private void EnsureFreeInode()
    {
        if (_inodes.FreeCount > 0)
        {
            return;
        }

        var index = _inodes.ChunkCount;
        if (index >= RegionLayout.MaxInodeChunks)
        {
            throw new RegionException(RegionError.NoSpace, $"the region holds the most inodes format 1 allows ({RegionLayout.MaxInodes})");
        }

        var chunk = _allocator.AllocateSmall(RegionLayout.InodeChunkSize);
        if (chunk.Count != 1)
        {
            foreach (var piece in chunk)
            {
                _allocator.FreeSmall(piece.RegionOffset, piece.Length);
            }

            throw new RegionException(RegionError.NoSpace, $"no contiguous {RegionLayout.InodeChunkSize} bytes left for more inodes");
        }

        var offset = chunk[0].RegionOffset;
        _device.Zero(offset, RegionLayout.InodeChunkSize);
        var page = index / ChunkTablePage.EntriesPerPage;
        var pageOffset = RegionLayout.ChunkTableOffset + ((long)page * ChunkTablePage.TotalSize);
        Span<long> entries = stackalloc long[ChunkTablePage.EntriesPerPage];
        for (var i = 0; i < entries.Length; i++)
        {
            var chunkIndex = (page * ChunkTablePage.EntriesPerPage) + i;
            entries[i] = chunkIndex < index ? _inodes.Chunks[chunkIndex] : chunkIndex == index ? offset : 0;
        }

        ChunkTablePage.Write(_transaction.Add(pageOffset, ChunkTablePage.TotalSize), (uint)page, entries);
        try
        {
            _journal.Commit(_transaction);
        }
        catch
        {
            _transaction.Clear();
            _allocator.FreeSmall(offset, RegionLayout.InodeChunkSize);
            throw;
        }

        _inodes.AddChunk(offset);
    }

    private static void ValidateKind(FileKind kind)
    {
        if (!Enum.IsDefined(kind))
        {
            throw RegionException.Invalid($"unknown file kind {(int)kind}");
        }
    }

    /// <summary>Bytes of region space a file of <paramref name="size"/> bytes of <paramref name="kind"/> takes; validates the size.</summary>
    private static long AllocationFor(FileKind kind, long size)
    {
        if (size < 0)
        {
            throw RegionException.Invalid($"a size must not be negative: {size}");
        }

        if (size > RegionLayout.MaximumRegionSize)
        {
            throw new RegionException(RegionError.NoSpace, $"{size} bytes exceed the largest region format 1 supports");
        }

        if (kind == FileKind.GuestMemory && (size == 0 || size % RegionLayout.LargeGranule != 0))
        {
            throw RegionException.Invalid($"guest memory must be a positive multiple of 2 MiB (device DAX maps 2 MiB pages); {size} is not");
        }

        if (kind == FileKind.IommuPageTable && size % RegionLayout.SmallGranule != 0)
        {
            throw RegionException.Invalid($"IOMMU page tables are whole 4 KiB pages; {size} is not a multiple of 4096");
        }

        var granule = Node.GranuleOf(kind);
        return (size + granule - 1) / granule * granule;
    }

    private void ThrowIfFrozen()
    {
        if ((LifecycleState)_superblocks.Current.LifecycleState == LifecycleState.Frozen)
        {
            throw new RegionException(RegionError.FailedPrecondition, "the region is frozen for an update: thaw it before changing files");
        }
    }

    /// <summary>Finds an existing node.</summary>
    private Node Resolve(string path)
    {
        var node = _root;
        foreach (var part in NameRules.SplitPath(path))
        {
            if (node.Children is null)
            {
                throw new RegionException(RegionError.WrongKind, $"'{node.Path}' in '{path}' is not a directory");
            }

            if (!node.Children.TryGetValue(part, out var child))
            {
                throw RegionException.NotFound(path);
            }

            node = child;
        }

        return node;
    }

    /// <summary>Finds the parent of a path that must not exist yet.</summary>
    private (Node Parent, string Name) ResolveNew(string path)
    {
        var parts = NameRules.SplitPath(path);
        if (parts.Length == 0)
        {
            throw new RegionException(RegionError.AlreadyExists, "'/' exists");
        }

        var parent = _root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (!parent.Children!.TryGetValue(parts[i], out var child))
            {
                throw new RegionException(RegionError.NotFound, $"directory '/{string.Join('/', parts[..(i + 1)])}' does not exist");
            }

            if (!child.IsDirectory)
            {
                throw new RegionException(RegionError.WrongKind, $"'/{string.Join('/', parts[..(i + 1)])}' is not a directory");
            }

            parent = child;
        }

        var name = parts[^1];
        if (parent.Children!.ContainsKey(name))
        {
            throw new RegionException(RegionError.AlreadyExists, $"'{path}' exists");
        }

        return (parent, name);
    }
}
