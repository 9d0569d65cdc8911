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
            Dma.ThrowIfReservedName(parent, name, path);
            return (kind == FileKind.GuestMemory && UsesNamespaces
                ? CreateNamespaceBacked(parent, name, size, options)
                : CreateCore(parent, name, kind, size, allocation, options)).ToInfo(path);
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
            Dma.ThrowIfReservedName(parent, name, path);
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

            Dma.ThrowIfManaged(node, path);
            if (node.NamespaceBacked)
            {
                throw new RegionException(RegionError.FailedPrecondition,
                    $"'{path}' is guest memory in a namespace of its own (namespaces backend), whose size is fixed: create a new file of {size} bytes instead");
            }

            var allocation = AllocationFor(node.Kind, size);
            var current = node.AllocatedBytes;
            if (allocation < current)
            {
                Dma.ThrowIfPinned(node, allocation, $"shrink to {size} bytes");
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

            Dma.ThrowIfManaged(node, path);
            var (parent, name) = ResolveNew(newPath);
            Dma.ThrowIfReservedName(parent, name, newPath);
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
            using var transaction = BeginTransaction();
            transaction.Save(node);
            node.Parent = parent;
            node.Name = name;
            node.Generation++;
            node.ModifiedUnixMs = NowUnixMs();
            transaction.WriteInode(node);
            transaction.Commit();
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

            Dma.ThrowIfManaged(node, path);
            if (node.Children is { Count: > 0 })
            {
                throw new RegionException(RegionError.NotEmpty, $"directory '{path}' is not empty");
            }

            Dma.ThrowIfPinned(node, 0, "remove");
            using var transaction = BeginTransaction();
            transaction.WriteFreeInode(node);
            transaction.ReleaseInode(node);
            foreach (var extent in node.NamespaceBacked ? [] : node.Extents)
            {
                transaction.ReleaseData(extent, node.Pool);
            }

            transaction.ReleaseExtentBlocks(node.ExtentBlocks);
            transaction.Commit();
            node.Parent!.Children!.Remove(node.Name);
            _nodes.Remove(node.Number);
            ReleaseNamespace(node);
        }
    }

    /// <summary>
    /// Creates a node in a transaction of its own: <paramref name="allocation"/> bytes of zeroed space, <paramref name="size"/>
    /// bytes long; or, given <paramref name="space"/>, the file of that (zeroed) namespace with <paramref name="instanceId"/>.
    /// </summary>
    internal Node CreateCore(Node parent, string name, FileKind kind, long size, long allocation, CreateFileOptions options,
        Namespaces.NamespaceInfo? space = null, Guid? instanceId = null)
    {
        EnsureFreeInode();
        using var transaction = BeginTransaction();
        var extents = space is not null ? [new ExtentRecord(RegionOffsetOf(space), allocation)]
            : allocation == 0 ? [] : transaction.Allocate(Node.PoolOf(kind), allocation);
        var (number, generation) = transaction.TakeInode();
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
            InstanceId = instanceId ?? _options.NewInstanceId(),
            NamespaceBacked = space is not null,
            Namespace = space,
            CreatedUnixMs = now,
            ModifiedUnixMs = now,
            Extents = extents,
            Children = kind == FileKind.Directory ? new Dictionary<string, Node>(StringComparer.Ordinal) : null,
        };
        ResizeExtentBlocks(transaction, node);
        ZeroNewExtents(space is null ? extents : []);
        transaction.WriteInode(node);
        transaction.Commit();
        parent.Children!.Add(name, node);
        _nodes.Add(number, node);
        return node;
    }

    private void Grow(Node node, long delta, long size)
    {
        using var transaction = BeginTransaction();
        var added = new List<ExtentRecord>();
        var last = node.Extents.Count > 0 ? node.Extents[^1] : default;
        if (node.Pool == Pool.Large && node.Extents.Count > 0 && transaction.TryTakeLarge(last.End, delta))
        {
            added.Add(new ExtentRecord(last.End, delta));
        }
        else
        {
            added.AddRange(transaction.Allocate(node.Pool, delta));
        }

        var extents = new List<ExtentRecord>(node.Extents);
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

        SetExtents(transaction, node, extents, size);
        ZeroNewExtents(added);
        transaction.WriteInode(node);
        transaction.Commit();
    }

    private void Shrink(Node node, long allocation, long size)
    {
        using var transaction = BeginTransaction();
        var (kept, freed) = SplitAt(node.Extents, allocation);
        SetExtents(transaction, node, kept, size);
        foreach (var extent in freed)
        {
            transaction.ReleaseData(extent, node.Pool);
        }

        transaction.WriteInode(node);
        transaction.Commit();
    }

    /// <summary>
    /// Gives <paramref name="node"/> <paramref name="extents"/> and <paramref name="size"/> within <paramref name="transaction"/>
    /// (generation bumped, modified now), with as many overflow extent blocks as the extents need; the caller writes the inode.
    /// </summary>
    internal void SetExtents(RegionTransaction transaction, Node node, List<ExtentRecord> extents, long size)
    {
        transaction.Save(node);
        node.Extents = extents;
        node.Size = size;
        node.Generation++;
        node.ModifiedUnixMs = NowUnixMs();
        ResizeExtentBlocks(transaction, node);
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

    /// <summary>
    /// Takes or gives up overflow extent blocks within <paramref name="transaction"/> so the node has exactly as many as
    /// its extents need (the node was saved in it, or is new). Blocks given up are released after the commit.
    /// </summary>
    internal static void ResizeExtentBlocks(RegionTransaction transaction, Node node)
    {
        var needed = InodeWriter.BlocksNeeded(node.Extents.Count);
        if (needed > node.ExtentBlocks.Count)
        {
            var blocks = new List<long>(node.ExtentBlocks);
            while (blocks.Count < needed)
            {
                blocks.Add(transaction.AllocateBlock(ExtentBlock.TotalSize));
            }

            node.ExtentBlocks = blocks;
        }
        else if (needed < node.ExtentBlocks.Count)
        {
            transaction.ReleaseExtentBlocks(node.ExtentBlocks.Skip(needed));
            node.ExtentBlocks = node.ExtentBlocks.GetRange(0, needed);
        }
    }

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
    internal void EnsureFreeInode()
    {
        if (_inodes.FreeCount > 0)
        {
            return;
        }

        var index = _inodes.ChunkCount;
        if (index >= RegionLayout.MaxInodeChunks)
        {
            throw new RegionException(RegionError.NoSpace, $"the region holds the most inodes the format allows ({RegionLayout.MaxInodes})");
        }

        using var transaction = BeginTransaction();
        var chunk = transaction.Allocate(Pool.Small, RegionLayout.InodeChunkSize);
        if (chunk.Count != 1)
        {
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

        ChunkTablePage.Write(transaction.Writes.Add(pageOffset, ChunkTablePage.TotalSize), (uint)page, entries);
        transaction.Commit();
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
            throw new RegionException(RegionError.NoSpace, $"{size} bytes exceed the largest region the format supports ({RegionLayout.MaximumRegionSize} bytes, 1 PiB)");
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
    internal Node Resolve(string path)
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
