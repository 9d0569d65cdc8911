using LiveUpdate.Region.Format;

namespace LiveUpdate.Region;

public sealed partial class PersistentRegion
{
    /// <summary>Describes one file or directory.</summary>
    public RegionFileInfo Stat(string path)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return Resolve(path).ToInfo(Normalize(path));
        }
    }

    /// <summary>True when <paramref name="path"/> exists.</summary>
    public bool Exists(string path)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            try
            {
                Resolve(path);
                return true;
            }
            catch (RegionException ex) when (ex.Error is RegionError.NotFound or RegionError.WrongKind)
            {
                return false;
            }
        }
    }

    /// <summary>Lists a directory's entries in ordinal name order.</summary>
    public IReadOnlyList<RegionFileInfo> List(string path)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var node = Resolve(path);
            if (node.Children is null)
            {
                throw new RegionException(RegionError.WrongKind, $"'{path}' is not a directory");
            }

            var prefix = Normalize(path) == "/" ? "/" : Normalize(path) + "/";
            return node.Children.Values
                .OrderBy(child => child.Name, StringComparer.Ordinal)
                .Select(child => child.ToInfo(prefix + child.Name))
                .ToList();
        }
    }

    /// <summary>Every file (not directory) in the region, for reconcile and reports.</summary>
    public IReadOnlyList<RegionFileInfo> ListAllFiles()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            // Plain loops: the start-up reconcile calls this once in a fresh process, where every generic
            // instantiation LINQ would bring costs JIT and type-loading time.
            var files = new List<RegionFileInfo>(_nodes.Count);
            foreach (var node in _nodes.Values)
            {
                if (!node.IsDirectory)
                {
                    files.Add(node.ToInfo());
                }
            }

            files.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
            return files;
        }
    }

    /// <summary>The files (not directories) of VM <paramref name="vmUuid"/>, sorted by path; only those are described.</summary>
    public IReadOnlyList<RegionFileInfo> ListFilesOfVm(Guid vmUuid)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return _nodes.Values.Where(node => !node.IsDirectory && node.VmUuid == vmUuid).Select(node => node.ToInfo())
                .OrderBy(info => info.Path, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Space and inode usage.</summary>
    public RegionStatistics GetStatistics()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            long fileBytes = 0, namespaceBytes = 0, extentBlocks = 0, files = 0, directories = 0;
            foreach (var node in _nodes.Values)
            {
                if (node.NamespaceBacked)
                {
                    namespaceBytes += node.AllocatedBytes;
                }
                else
                {
                    fileBytes += node.AllocatedBytes;
                }

                extentBlocks += node.ExtentBlocks.Count;
                if (node.IsDirectory)
                {
                    directories++;
                }
                else
                {
                    files++;
                }
            }

            var metadata = RegionLayout.HeaderSize + ((long)_inodes.ChunkCount * RegionLayout.InodeChunkSize) + (extentBlocks * ExtentBlock.TotalSize);
            var counts = _allocator.RangeCounts;
            return new RegionStatistics
            {
                TotalBytes = _device.Size,
                UsedBytes = fileBytes + metadata,
                FreeBytes = _allocator.FreeBytes,
                FileBytes = fileBytes,
                NamespaceFileBytes = namespaceBytes,
                MetadataBytes = metadata,
                LargeFreeBytes = _allocator.LargeFreeBytes,
                SmallFreeBytes = _allocator.SmallFreeBytes,
                LargestFreeExtent = _allocator.LargestLargeFree,
                FreeRanges = counts.Large + counts.Small,
                Files = files,
                Directories = directories,
                InodeSlots = _inodes.SlotCount,
                InodeLimit = RegionLayout.MaxInodes,
                TransactionsSinceAttach = _journal.Committed,
            };
        }
    }

    private static string Normalize(string path) => path.Length > 1 && path.EndsWith('/') ? path[..^1] : path;
}
