using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region.Checking;

/// <summary>
/// Reads all metadata (chunk table, inode chunks, extent blocks) and never a data page, verifying every
/// checksum and structural invariant, then links the tree and rebuilds free space. Attach and check share it.
/// </summary>
internal static class MetadataScanner
{
    /// <summary>The format version from which every live inode has an instance id (format 2 kept zeros there).</summary>
    private const uint InstanceIdVersion = 3;

    /// <summary>Scans the region described by <paramref name="sb"/>.</summary>
    public static MetadataScan Scan(RegionDevice device, in SuperblockRecord sb)
    {
        var scan = new MetadataScan { FeatureNamespaceExtents = (sb.IncompatibleFeatures & SuperblockRecord.FeatureNamespaceExtents) != 0 };
        scan.Used.Add(new UsedRange(0, RegionLayout.HeaderSize, Pool.Large, OwnerKind.Header, 0));
        ReadChunkTable(device, scan);
        var emptySlots = new List<(ulong Number, long Offset)>();
        ulong highestWritten = 0;
        foreach (var (chunkOffset, index) in scan.Chunks.Select((offset, index) => (offset, index)))
        {
            ReadChunk(device, scan, chunkOffset, index, emptySlots, ref highestWritten);
        }

        ReportZeroedSlots(scan, emptySlots, highestWritten);
        if (sb.FormatVersion >= InstanceIdVersion)
        {
            ReportInstanceIds(scan);
        }

        Link(scan);
        scan.Allocator = ExtentAllocator.Rebuild(device.Size, scan.Used, (range, message) =>
            scan.Problems.Add(new CheckProblem(range.Owner, range.OwnerKind == OwnerKind.Inode ? SlotOffset(scan, range.OwnerId) : range.Start, message)
            {
                Action = range.OwnerKind == OwnerKind.Inode ? RepairAction.ClearInode : RepairAction.None,
                Inode = range.OwnerKind == OwnerKind.Inode ? range.OwnerId : 0,
            }));
        return scan;
    }

    private static void ReadChunkTable(RegionDevice device, MetadataScan scan)
    {
        var ended = false;
        for (var page = 0; page < RegionLayout.ChunkTablePages; page++)
        {
            var offset = RegionLayout.ChunkTableOffset + ((long)page * ChunkTablePage.TotalSize);
            var bytes = device.Span(offset, ChunkTablePage.TotalSize);
            if (ChunkTablePage.Magic(bytes) != ChunkTablePage.MagicValue || !Checksum.Verify(bytes, Checksum.ChunkTableSeed)
                || ChunkTablePage.Index(bytes) != page)
            {
                scan.Problems.Add(new CheckProblem($"inode chunk table page {page}", offset, "checksum, magic or index mismatch"));
                ended = true; // the chunks this page names are unknown; later pages cannot be trusted to continue densely
                continue;
            }

            var entries = ChunkTablePage.Entries(bytes);
            for (var i = 0; i < entries.Length; i++)
            {
                var chunk = entries[i];
                var index = (page * ChunkTablePage.EntriesPerPage) + i;
                if (chunk == 0)
                {
                    ended = true;
                    continue;
                }

                if (ended)
                {
                    scan.Problems.Add(new CheckProblem($"inode chunk table page {page}", offset, $"chunk {index} follows an empty entry"));
                    continue;
                }

                if (chunk % RegionLayout.SmallGranule != 0 || chunk < RegionLayout.HeaderSize || chunk > device.Size - RegionLayout.InodeChunkSize)
                {
                    scan.Problems.Add(new CheckProblem($"inode chunk table page {page}", offset, $"chunk {index} at 0x{chunk:x} is misaligned or outside the region"));
                    ended = true;
                    continue;
                }

                scan.Chunks.Add(chunk);
                scan.Used.Add(new UsedRange(chunk, RegionLayout.InodeChunkSize, Pool.Small, OwnerKind.InodeChunk, (ulong)index));
            }
        }
    }

    private static void ReadChunk(RegionDevice device, MetadataScan scan, long chunkOffset, int chunkIndex,
        List<(ulong Number, long Offset)> emptySlots, ref ulong highestWritten)
    {
        device.Prefetch(chunkOffset, RegionLayout.InodeChunkSize);
        var chunk = device.Span(chunkOffset, RegionLayout.InodeChunkSize);
        for (var slot = 0; slot < RegionLayout.InodesPerChunk; slot++)
        {
            var number = (ulong)(((long)chunkIndex * RegionLayout.InodesPerChunk) + slot);
            var offset = chunkOffset + ((long)slot * InodeRecord.TotalSize);
            var bytes = chunk.Slice(slot * InodeRecord.TotalSize, InodeRecord.TotalSize);
            if (!bytes.ContainsAnyExcept((byte)0))
            {
                if (number == RegionLayout.RootInode)
                {
                    scan.Problems.Add(new CheckProblem("root inode", offset, "the root directory's slot is empty"));
                }
                else if (number != 0)
                {
                    scan.FreeSlots.Add((number, 0));
                    emptySlots.Add((number, offset));
                }

                continue;
            }

            highestWritten = Math.Max(highestWritten, number);

            if (number == 0)
            {
                scan.Problems.Add(new CheckProblem("inode 0", offset, "the reserved slot is not empty") { Action = RepairAction.ClearInode, Inode = 0 });
                continue;
            }

            if (!Checksum.Verify(bytes, Checksum.InodeSeed))
            {
                scan.Problems.Add(new CheckProblem($"inode {number}", offset, "checksum mismatch") { Action = RepairAction.ClearInode, Inode = number });
                continue;
            }

            var record = InodeRecord.Read(bytes);
            if (Decode(device, scan, record, number, offset) is { } node)
            {
                scan.Nodes.Add(number, node);
            }
        }
    }

    private static Node? Decode(RegionDevice device, MetadataScan scan, in InodeRecord record, ulong number, long offset)
    {
        string Where() => $"inode {number}";
        void Problem(string message) =>
            scan.Problems.Add(new CheckProblem(Where(), offset, message) { Action = RepairAction.ClearInode, Inode = number });

        if (record.Magic != InodeRecord.MagicValue || record.Number != number)
        {
            Problem($"bad magic or inode number (records {record.Number})");
            return null;
        }

        if (record.Kind == 0)
        {
            scan.FreeSlots.Add((number, record.Generation));
            return null;
        }

        var kind = (FileKind)record.Kind;
        if (!Enum.IsDefined(kind))
        {
            Problem($"unknown kind {record.Kind}");
            return null;
        }

        string? name;
        if (number == RegionLayout.RootInode)
        {
            name = record.NameLength == 0 && kind == FileKind.Directory ? string.Empty : null;
        }
        else
        {
            name = record.NameLength is > 0 and <= RegionLayout.MaxNameBytes
                ? NameRules.Decode(((ReadOnlySpan<byte>)record.Name)[..record.NameLength])
                : null;
        }

        if (name is null)
        {
            Problem("invalid name");
            return null;
        }

        var granule = Node.GranuleOf(kind);
        var expectedAllocation = kind == FileKind.Directory || record.Size is < 0 or > RegionLayout.MaximumRegionSize
            ? 0 : (record.Size + granule - 1) / granule * granule;
        if (record.Size < 0 || record.Size > RegionLayout.MaximumRegionSize || record.AllocatedBytes != expectedAllocation
            || (kind == FileKind.Directory && record.Size != 0))
        {
            Problem($"size {record.Size} does not match allocation {record.AllocatedBytes}");
            return null;
        }

        if (!IsUnixMs(record.CreatedUnixMs) || !IsUnixMs(record.ModifiedUnixMs))
        {
            Problem($"times {record.CreatedUnixMs} and {record.ModifiedUnixMs} are not valid unix milliseconds");
            return null;
        }

        var extents = new List<ExtentRecord>((int)Math.Min(record.ExtentCount, 64));
        var blocks = new List<long>();
        if (!ReadExtents(device, record, extents, blocks, out var why))
        {
            Problem(why);
            return null;
        }

        long total = 0;
        foreach (var extent in extents)
        {
            total += extent.Length;
        }

        if (total != record.AllocatedBytes)
        {
            Problem($"extents cover {total} bytes, the inode records {record.AllocatedBytes}");
            return null;
        }

        var namespaceBacked = (record.Flags & InodeRecord.FlagNamespaceBacked) != 0;
        if ((record.Flags & ~InodeRecord.FlagNamespaceBacked) != 0)
        {
            Problem($"unknown flags 0x{record.Flags:x}");
            return null;
        }

        if (namespaceBacked && NamespaceExtentProblem(device, scan.FeatureNamespaceExtents, kind, extents, blocks) is { } wrong)
        {
            Problem(wrong);
            return null;
        }

        var node = new Node
        {
            NamespaceBacked = namespaceBacked,
            Number = number,
            Generation = record.Generation,
            Kind = kind,
            Name = name,
            ParentNumber = record.Parent,
            Size = record.Size,
            OwnerUid = record.OwnerUid,
            Mode = record.Mode,
            VmUuid = record.VmUuid.ToGuid(),
            InstanceId = record.InstanceId.ToGuid(),
            CreatedUnixMs = record.CreatedUnixMs,
            ModifiedUnixMs = record.ModifiedUnixMs,
            Extents = extents,
            ExtentBlocks = blocks,
            Children = kind == FileKind.Directory ? new Dictionary<string, Node>(StringComparer.Ordinal) : null,
        };
        // A namespace-backed extent is the file's own device, outside this one: no part of its space.
        foreach (var extent in namespaceBacked ? [] : extents)
        {
            scan.Used.Add(new UsedRange(extent.RegionOffset, extent.Length, node.Pool, OwnerKind.Inode, number));
        }

        foreach (var block in blocks)
        {
            scan.Used.Add(new UsedRange(block, ExtentBlock.TotalSize, Pool.Small, OwnerKind.Inode, number));
        }

        return node;
    }

    /// <summary>What is wrong with a namespace-backed inode's extents, or null: one 2 MiB-aligned extent outside the metadata device.</summary>
    private static string? NamespaceExtentProblem(RegionDevice device, bool featureSet, FileKind kind, List<ExtentRecord> extents, List<long> blocks)
    {
        if (!featureSet)
        {
            return "is namespace-backed, but the superblock does not declare namespace-backed extents";
        }

        if (kind != FileKind.GuestMemory || extents.Count != 1 || blocks.Count != 0)
        {
            return $"is namespace-backed but is {kind} with {extents.Count} extents (one guest-memory extent expected)";
        }

        var extent = extents[0];
        return extent.RegionOffset % RegionLayout.LargeGranule != 0 || extent.Length <= 0 || (extent.RegionOffset < device.Size && extent.End > 0)
            ? $"namespace-backed extent [0x{extent.RegionOffset:x}, +0x{extent.Length:x}) is misaligned or overlaps the metadata device"
            : null;
    }

    private static bool ReadExtents(RegionDevice device, in InodeRecord record, List<ExtentRecord> extents, List<long> blocks, out string why)
    {
        var count = record.ExtentCount;
        var inline = (int)Math.Min(count, InodeRecord.InlineExtentCapacity);
        ReadOnlySpan<ExtentRecord> inlineExtents = record.Extents;
        extents.AddRange(inlineExtents[..inline]);
        var remaining = count - (uint)inline;
        var next = record.OverflowBlock;
        if (remaining == 0 && next != 0)
        {
            why = "has an extent block but no overflow extents";
            return false;
        }

        for (var index = 0L; remaining > 0; index++)
        {
            if (next == 0 || next % RegionLayout.SmallGranule != 0 || next < RegionLayout.HeaderSize || next > device.Size - ExtentBlock.TotalSize)
            {
                why = $"extent block {index} pointer 0x{next:x} is missing, misaligned or outside the region ({remaining} extents unread)";
                return false;
            }

            var bytes = device.Span(next, ExtentBlock.TotalSize);
            var header = ExtentBlock.ReadHeader(bytes);
            var expected = (int)Math.Min(remaining, ExtentBlock.Capacity);
            if (!Checksum.Verify(bytes, Checksum.ExtentBlockSeed) || header.Magic != ExtentBlock.MagicValue)
            {
                why = $"extent block {index} at 0x{next:x}: checksum mismatch";
                return false;
            }

            if (header.Owner != record.Number || header.OwnerGeneration != record.Generation || header.Index != index || header.Count != expected)
            {
                why = $"extent block {index} at 0x{next:x} belongs to inode {header.Owner} generation {header.OwnerGeneration}, index {header.Index}, count {header.Count}";
                return false;
            }

            blocks.Add(next);
            extents.AddRange(ExtentBlock.Extents(bytes, expected));
            remaining -= (uint)expected;
            next = header.Next;
        }

        if (next != 0)
        {
            why = "extent chain continues past the recorded extent count";
            return false;
        }

        why = string.Empty;
        return true;
    }

    /// <summary>
    /// Slots are handed out lowest first, and a freed slot keeps a sealed record (its generation), so the all-zero
    /// slots are exactly those above the highest slot ever written. An all-zero slot below it is a record that was
    /// zeroed (a lost or overwritten write), not an empty slot: taking it for one would silently drop a file.
    /// </summary>
    private static void ReportZeroedSlots(MetadataScan scan, List<(ulong Number, long Offset)> emptySlots, ulong highestWritten)
    {
        foreach (var (number, offset) in emptySlots)
        {
            if (number < highestWritten)
            {
                scan.Problems.Add(new CheckProblem($"inode {number}", offset,
                    $"the slot is all zeros, below written slot {highestWritten}: a zeroed record, not an empty slot")
                { Action = RepairAction.ClearInode, Inode = number });
            }
        }
    }

    /// <summary>
    /// Every live inode has its own instance id: a zero one (a record written without it) or one another inode
    /// already has (a copied record) gets a new random id on repair; the file is otherwise intact.
    /// </summary>
    private static void ReportInstanceIds(MetadataScan scan)
    {
        var seen = new HashSet<Guid>();
        foreach (var node in scan.Nodes.Values.OrderBy(n => n.Number))
        {
            var problem = node.InstanceId == Guid.Empty ? "has no instance id"
                : !seen.Add(node.InstanceId) ? $"has instance id {node.InstanceId}, which a lower inode has too"
                : null;
            if (problem is not null)
            {
                scan.Problems.Add(new CheckProblem($"inode {node.Number}", SlotOffset(scan, node.Number), problem)
                { Action = RepairAction.AssignInstanceId, Inode = node.Number });
            }
        }
    }

    /// <summary>True when <paramref name="unixMs"/> is a time a <see cref="DateTimeOffset"/> can hold (what Stat and List turn it into).</summary>
    internal static bool IsUnixMs(long unixMs) =>
        unixMs >= DateTimeOffset.MinValue.ToUnixTimeMilliseconds() && unixMs <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>Region offset of an inode's slot (the inode lies in a chunk the scan found).</summary>
    internal static long SlotOffset(MetadataScan scan, ulong number) =>
        scan.Chunks[(int)(number / RegionLayout.InodesPerChunk)] + ((long)(number % RegionLayout.InodesPerChunk) * InodeRecord.TotalSize);

    /// <summary>Attaches every node to its parent, reporting orphans, duplicates and cycles.</summary>
    private static void Link(MetadataScan scan)
    {
        if (scan.Nodes.TryGetValue(RegionLayout.RootInode, out var root) && root.IsDirectory && root.ParentNumber == RegionLayout.RootInode)
        {
            root.Parent = root;
            scan.Root = root;
        }
        else if (root is not null)
        {
            scan.Problems.Add(new CheckProblem("root inode", SlotOffset(scan, RegionLayout.RootInode), "inode 1 is not a directory that is its own parent"));
        }

        foreach (var node in scan.Nodes.Values)
        {
            if (ReferenceEquals(node, scan.Root))
            {
                continue;
            }

            if (!scan.Nodes.TryGetValue(node.ParentNumber, out var parent) || !parent.IsDirectory || node.ParentNumber == node.Number)
            {
                scan.Problems.Add(new CheckProblem($"inode {node.Number}", SlotOffset(scan, node.Number), $"'{node.Name}' names parent {node.ParentNumber}, which is not a directory")
                { Action = RepairAction.MoveToLostAndFound, Inode = node.Number });
                continue;
            }

            if (!parent.Children!.TryAdd(node.Name, node))
            {
                scan.Problems.Add(new CheckProblem($"inode {node.Number}", SlotOffset(scan, node.Number), $"'{node.Name}' is a second entry of that name in directory {parent.Number}")
                { Action = RepairAction.MoveToLostAndFound, Inode = node.Number });
                continue;
            }

            node.Parent = parent;
        }

        // A node is reachable when walking up its parents ends at the root; anything else is a cycle.
        var reachable = new HashSet<ulong>();
        if (scan.Root is not null)
        {
            reachable.Add(scan.Root.Number);
        }

        var path = new List<Node>();
        foreach (var node in scan.Nodes.Values)
        {
            path.Clear();
            var cursor = node;
            while (cursor is not null && !reachable.Contains(cursor.Number) && path.Count <= scan.Nodes.Count)
            {
                path.Add(cursor);
                cursor = cursor.Parent;
            }

            if (cursor is null)
            {
                continue; // ends at an orphan, which is reported (and repaired) itself
            }

            if (reachable.Contains(cursor.Number))
            {
                foreach (var member in path)
                {
                    reachable.Add(member.Number);
                }
            }
            else
            {
                scan.Problems.Add(new CheckProblem($"inode {node.Number}", SlotOffset(scan, node.Number), $"'{node.Name}' is not reachable from the root (directory cycle)")
                { Action = RepairAction.MoveToLostAndFound, Inode = node.Number });
            }
        }
    }
}
