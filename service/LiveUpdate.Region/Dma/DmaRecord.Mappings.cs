using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Dma;

public sealed partial class DmaRecord
{
    /// <summary>
    /// Maps <paramref name="length"/> bytes of guest-memory file <paramref name="path"/> from <paramref name="fileOffset"/> at
    /// <paramref name="iova"/>, with the largest leaves alignment allows; the file's extents are pinned until unmapped.
    /// </summary>
    public DmaMappingInfo Map(ushort domainId, ulong iova, string path, long fileOffset, long length, bool readable, bool writable)
    {
        if (!readable && !writable)
        {
            throw RegionException.Invalid("a mapping must be readable, writable or both");
        }

        ValidateRange(iova, length);
        if (fileOffset < 0 || fileOffset % TablePage != 0)
        {
            throw RegionException.Invalid($"file offset {fileOffset} is not a non-negative multiple of 4 KiB");
        }

        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposedOrFrozen();
            var domain = RequireDomain(domainId);
            RequireWithinWidth(domain, iova, length);
            var file = _region.Resolve(path);
            if (file.Kind != FileKind.GuestMemory)
            {
                throw new RegionException(RegionError.WrongKind, $"'{path}' is {file.Kind}; only guest memory is DMA-mapped");
            }

            if (fileOffset > file.Size - length)
            {
                throw RegionException.Invalid($"{length} bytes from offset {fileOffset} run past the end of '{path}' ({file.Size} bytes)");
            }

            var end = iova + (ulong)length;
            if (domain.Intersecting(iova, end) is [var existing, ..])
            {
                throw new RegionException(RegionError.AlreadyExists,
                    $"IOVA 0x{iova:x}–0x{end:x} overlaps domain {domainId}'s mapping at 0x{existing.Iova:x}–0x{existing.End:x}; unmap it first");
            }

            using var transaction = _region.BeginTransaction();
            var editor = NewTableEditor(transaction);
            foreach (var leaf in DmaLeaves.Of(file.Extents, fileOffset, length, iova, domain.PhysicalBase, domain.Levels))
            {
                StageLeaf(editor, domain, leaf, VtdFormat.LeafEntry(leaf.Physical, leaf.Level, readable, writable));
            }

            var mapping = new DmaMapping
            {
                Iova = iova,
                Length = length,
                FileInode = file.Number,
                FileOffset = fileOffset,
                Readable = readable,
                Writable = writable,
                RecordIndex = domain.Records.Count,
            };
            List<DmaMapping> records = [.. domain.Records, mapping];
            var blocks = StageMappingBlocks(editor, domain, records, [mapping.RecordIndex]);
            StageDomainPage(editor, domain, blocks, domain.Devices);
            Stage(transaction, editor, domain.Node);
            transaction.Commit();
            domain.Records = records;
            domain.MappingBlocks = blocks;
            domain.ByIova.Insert(domain.FirstEndingAfter(iova), mapping);
            _state.Pin(domain, mapping);
            RefreshMappedBytes(file.Number);
            return MappingInfo(domain, mapping);
        }
    }

    /// <summary>
    /// Unmaps every mapping in [<paramref name="iova"/>, +<paramref name="length"/>), which must cover whole mappings;
    /// table pages left empty are freed. Returns what was unmapped.
    /// </summary>
    public IReadOnlyList<DmaMappingInfo> Unmap(ushort domainId, ulong iova, long length)
    {
        ValidateRange(iova, length);
        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposedOrFrozen();
            var domain = RequireDomain(domainId);
            RequireWithinWidth(domain, iova, length);
            var end = iova + (ulong)length;
            var victims = domain.Intersecting(iova, end);
            if (victims.Count == 0)
            {
                throw new RegionException(RegionError.NotFound, $"domain {domainId} maps nothing in IOVA 0x{iova:x}–0x{end:x}");
            }

            foreach (var victim in victims)
            {
                if (victim.Iova < iova || victim.End > end)
                {
                    throw RegionException.Invalid(
                        $"IOVA 0x{iova:x}–0x{end:x} would split domain {domainId}'s mapping at 0x{victim.Iova:x}–0x{victim.End:x}; unmap whole mappings");
                }
            }

            var unmapped = victims.Select(v => MappingInfo(domain, v)).ToList();
            using var transaction = _region.BeginTransaction();
            var editor = NewTableEditor(transaction);
            ClearRange(editor, domain, domain.TopTable, domain.Levels, 0, iova, end);
            var records = new List<DmaMapping>(domain.Records);
            var touched = new List<int>();
            foreach (var victim in victims.OrderByDescending(v => v.RecordIndex))
            {
                var index = victim.RecordIndex;
                records[index] = records[^1];
                records.RemoveAt(records.Count - 1);
                if (index < records.Count)
                {
                    touched.Add(index);
                }
            }

            var blocks = StageMappingBlocks(editor, domain, records, touched);
            StageDomainPage(editor, domain, blocks, domain.Devices);
            Stage(transaction, editor, domain.Node);
            transaction.Commit();
            for (var i = 0; i < records.Count; i++)
            {
                records[i].RecordIndex = i;
            }

            domain.Records = records;
            domain.MappingBlocks = blocks;
            foreach (var victim in victims)
            {
                domain.ByIova.Remove(victim);
                _state.Unpin(victim);
                RefreshMappedBytes(victim.FileInode);
            }

            return unmapped;
        }
    }
    /// <summary>Sets the entries on the way to <paramref name="leaf"/>, allocating missing tables, and the leaf itself.</summary>
    private static void StageLeaf(TableEditor editor, DmaDomain domain, DmaLeaves.Leaf leaf, ulong entry)
    {
        var page = domain.TopTable;
        for (var level = domain.Levels; level > leaf.Level; level--)
        {
            var index = VtdFormat.IndexOf(leaf.Iova, level);
            var current = editor.Read(page, index);
            if (current == 0)
            {
                var child = editor.NewPage();
                editor.Write(page, index, VtdFormat.TableEntry(domain.PhysicalBase + (ulong)child));
                page = child;
            }
            else if (VtdFormat.IsLeaf(current, level))
            {
                throw RegionException.Corrupt($"IOMMU table of domain {domain.Id}", page, $"a level-{level} leaf covers unmapped IOVA 0x{leaf.Iova:x}");
            }
            else
            {
                page = (long)((current & VtdFormat.AddressMask) - domain.PhysicalBase);
            }
        }

        editor.Write(page, VtdFormat.IndexOf(leaf.Iova, leaf.Level), entry);
    }

    /// <summary>Clears every entry in [<paramref name="from"/>, <paramref name="to"/>) under <paramref name="page"/>, freeing tables left empty.</summary>
    private static void ClearRange(TableEditor editor, DmaDomain domain, long page, int level, ulong pageIova, ulong from, ulong to)
    {
        var coverage = VtdFormat.CoverageOf(level);
        var first = (int)((Math.Max(from, pageIova) - pageIova) / coverage);
        var last = (int)((Math.Min(to, pageIova + (coverage * VtdFormat.PagingEntries)) - 1 - pageIova) / coverage);
        for (var index = first; index <= last; index++)
        {
            var entry = editor.Read(page, index);
            if (entry == 0)
            {
                continue;
            }

            if (VtdFormat.IsLeaf(entry, level))
            {
                editor.Write(page, index, 0);
                continue;
            }

            var child = (long)((entry & VtdFormat.AddressMask) - domain.PhysicalBase);
            var childIova = pageIova + ((ulong)index * coverage);
            ClearRange(editor, domain, child, level - 1, childIova, Math.Max(from, childIova), Math.Min(to, childIova + coverage));
            if (editor.IsEmpty(child))
            {
                editor.Free(child);
                editor.Write(page, index, 0);
            }
        }
    }

    /// <summary>Stages the mapping blocks that change when the record array becomes <paramref name="records"/>; returns the new chain.</summary>
    private static List<long> StageMappingBlocks(TableEditor editor, DmaDomain domain, List<DmaMapping> records, IEnumerable<int> touched)
    {
        const int capacity = DmaMappingBlock.Capacity;
        var oldCount = domain.MappingBlocks.Count;
        var newCount = (records.Count + capacity - 1) / capacity;
        var blocks = domain.MappingBlocks.Take(newCount).ToList();
        var affected = new SortedSet<int>(touched.Select(i => i / capacity).Where(b => b < newCount));
        while (blocks.Count < newCount)
        {
            affected.Add(blocks.Count);
            blocks.Add(editor.NewPage());
        }

        for (var b = newCount; b < oldCount; b++)
        {
            editor.Free(domain.MappingBlocks[b]);
        }

        if (newCount > 0)
        {
            affected.Add(newCount - 1);
        }

        if (oldCount > 0 && oldCount - 1 < newCount)
        {
            affected.Add(oldCount - 1);
        }

        Span<byte> image = stackalloc byte[VtdFormat.PageSize];
        var slice = new DmaMappingBlock.Record[capacity];
        foreach (var b in affected)
        {
            var count = Math.Min(capacity, records.Count - (b * capacity));
            for (var i = 0; i < count; i++)
            {
                slice[i] = records[(b * capacity) + i].ToRecord();
            }

            DmaMappingBlock.Write(image, domain.Id, b, b + 1 < newCount ? blocks[b + 1] : 0, slice.AsSpan(0, count));
            editor.WritePage(blocks[b], image);
        }

        return blocks;
    }
}
