using LiveUpdate.Region.Dma;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region;

/// <summary>
/// IOMMU domains: VT-d tables and the replay record of every DMA mapping, kept in IOMMU_PGTABLE inodes under
/// <c>/.iommu</c>. Each operation is one journal transaction: table pages it allocates are written in place
/// before the commit (nothing committed reaches them yet), and the words it changes in existing pages, the
/// mapping blocks, the domain page and the inode go through the journal. Pages it frees are released only
/// after the commit and a checkpoint, so no replayable record can write them once they hold other data.
/// </summary>
public sealed partial class PersistentRegion
{
    private const long TablePage = VtdFormat.PageSize;
    private DmaState _dma = new();

    /// <summary>Creates domain <paramref name="domainId"/> (1–65535) with an empty top-level table for a 39-, 48- or 57-bit address width.</summary>
    public DmaDomainInfo CreateDomain(ushort domainId, int addressWidth, DmaDomainOptions options = default)
    {
        if (domainId == 0)
        {
            throw RegionException.Invalid("domain id 0 is reserved by VT-d; use 1–65535");
        }

        if (VtdFormat.LevelsFor(addressWidth) == 0)
        {
            throw RegionException.Invalid($"address width {addressWidth} is not one VT-d supports: use 39 (3 levels), 48 (4) or 57 (5)");
        }

        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
            if (_dma.Domains.ContainsKey(domainId))
            {
                throw new RegionException(RegionError.AlreadyExists, $"domain {domainId} exists");
            }

            var directory = EnsureDmaDirectory();
            var name = DmaState.DomainName(domainId);
            EnsureFreeInode();
            var editor = NewTableEditor();
            try
            {
                var domainPage = editor.NewPage();
                var topTable = editor.NewPage();
                _inodes.TryTake(out var number, out var generation);
                var now = NowUnixMs();
                var node = new Node
                {
                    Number = number,
                    Generation = generation,
                    Kind = FileKind.IommuPageTable,
                    Name = name,
                    Parent = directory,
                    OwnerUid = options.OwnerUid,
                    Mode = CreateFileOptions.DefaultFileMode,
                    InstanceId = _options.NewInstanceId(),
                    CreatedUnixMs = now,
                    ModifiedUnixMs = now,
                    Extents = PageExtents.With([], editor.Allocated, []),
                };
                node.Size = node.AllocatedBytes;
                var domain = new DmaDomain
                {
                    Id = domainId,
                    AddressWidth = addressWidth,
                    OwnerUid = options.OwnerUid,
                    VmUuid = options.VmUuid,
                    CreatedUnixMs = now,
                    Node = node,
                    TopTable = topTable,
                    PhysicalBase = _superblocks.Current.PhysicalBase,
                };
                StageDomainPage(editor, domain, [], []);
                try
                {
                    ResizeExtentBlocks(node);
                    editor.Emit(_transaction);
                    InodeWriter.Write(_transaction, node, _inodes.SlotOffset(number));
                    _journal.Commit(_transaction);
                }
                catch
                {
                    _transaction.Clear();
                    _inodes.Release(number, generation - 1);
                    foreach (var block in node.ExtentBlocks)
                    {
                        _allocator.FreeSmall(block, ExtentBlock.TotalSize);
                    }

                    throw;
                }

                directory.Children!.Add(name, node);
                _nodes.Add(number, node);
                _dma.Domains[domainId] = domain;
                return DomainInfo(domain);
            }
            catch
            {
                ReleasePages(editor.Allocated);
                throw;
            }
        }
    }

    /// <summary>Removes a domain with its tables and mappings (which unpins their files) and detaches its devices.</summary>
    public void DestroyDomain(ushort domainId)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
            var domain = RequireDomain(domainId);
            var editor = NewTableEditor();
            StageDetach(editor, domain.Devices);
            var node = domain.Node;
            CommitDma(editor, editor.Freed.Count > 0 ? _dma.RootTableNode : null,
                () => InodeWriter.WriteFree(_transaction, node.Number, node.Generation, _inodes.SlotOffset(node.Number)));
            node.Parent!.Children!.Remove(node.Name);
            _nodes.Remove(node.Number);
            _inodes.Release(node.Number, node.Generation);
            _journal.CheckpointHere();
            foreach (var extent in node.Extents)
            {
                _allocator.FreeSmall(extent.RegionOffset, extent.Length);
            }

            FreeExtentBlocks(node.ExtentBlocks);
            ForgetDevices(domain.Devices, editor);
            foreach (var mapping in domain.Records)
            {
                _dma.Unpin(mapping);
                RefreshMappedBytes(mapping.FileInode);
            }

            _dma.Domains.Remove(domainId);
        }
    }

    /// <summary>Attaches PCI function <paramref name="device"/> to a domain: its root and context entries point at the domain's tables.</summary>
    public DmaDomainInfo AttachDevice(ushort domainId, PciAddress device)
    {
        if (device.Segment != 0)
        {
            throw RegionException.Invalid($"{device}: only PCI segment 0000 is supported (the region keeps one root table)");
        }

        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
            var domain = RequireDomain(domainId);
            if (_dma.DeviceOwners.TryGetValue(device, out var owner))
            {
                throw new RegionException(RegionError.AlreadyExists, $"{device} is already attached to domain {owner.Id}");
            }

            if (domain.Devices.Count >= DmaDomainRecord.DeviceCapacity)
            {
                throw new RegionException(RegionError.NoSpace, $"domain {domainId} has the most devices a domain records ({DmaDomainRecord.DeviceCapacity})");
            }

            var rootNode = EnsureRootTable();
            var editor = NewTableEditor();
            var physicalBase = _superblocks.Current.PhysicalBase;
            try
            {
                var fresh = !_dma.ContextTables.TryGetValue(device.Bus, out var context);
                if (fresh)
                {
                    context = editor.NewPage();
                    editor.Write(_dma.RootTable, 2 * device.Bus, VtdFormat.RootEntry(physicalBase + (ulong)context));
                }

                editor.Write(context, 2 * device.DevFn, VtdFormat.ContextEntryLow(domain.PhysicalBase + (ulong)domain.TopTable));
                editor.Write(context, (2 * device.DevFn) + 1, VtdFormat.ContextEntryHigh(domain.AddressWidth, domain.Id));
                List<PciAddress> devices = [.. domain.Devices, device];
                StageDomainPage(editor, domain, domain.MappingBlocks, devices);
                CommitDma(editor, fresh ? rootNode : null);
                if (fresh)
                {
                    _dma.ContextTables[device.Bus] = context;
                }

                domain.Devices = devices;
                _dma.DeviceOwners[device] = domain;
                return DomainInfo(domain);
            }
            catch
            {
                ReleasePages(editor.Allocated);
                throw;
            }
        }
    }

    /// <summary>Detaches a device from its domain: its context entry is cleared (and the bus's context table freed when it was the last).</summary>
    public DmaDomainInfo DetachDevice(PciAddress device)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
            if (!_dma.DeviceOwners.TryGetValue(device, out var domain))
            {
                throw new RegionException(RegionError.NotFound, $"{device} is not attached to any domain");
            }

            var editor = NewTableEditor();
            StageDetach(editor, [device]);
            List<PciAddress> devices = [.. domain.Devices.Where(d => d != device)];
            StageDomainPage(editor, domain, domain.MappingBlocks, devices);
            CommitDma(editor, editor.Freed.Count > 0 ? _dma.RootTableNode : null);
            ForgetDevices([device], editor);
            domain.Devices = devices;
            return DomainInfo(domain);
        }
    }

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

        ValidateDmaRange(iova, length);
        if (fileOffset < 0 || fileOffset % TablePage != 0)
        {
            throw RegionException.Invalid($"file offset {fileOffset} is not a non-negative multiple of 4 KiB");
        }

        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
            var domain = RequireDomain(domainId);
            RequireWithinWidth(domain, iova, length);
            var file = Resolve(path);
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

            var editor = NewTableEditor();
            try
            {
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
                CommitDma(editor, domain.Node);
                domain.Records = records;
                domain.MappingBlocks = blocks;
                domain.ByIova.Insert(domain.FirstEndingAfter(iova), mapping);
                _dma.Pin(domain, mapping);
                RefreshMappedBytes(file.Number);
                return MappingInfo(domain, mapping);
            }
            catch
            {
                ReleasePages(editor.Allocated);
                throw;
            }
        }
    }

    /// <summary>
    /// Unmaps every mapping in [<paramref name="iova"/>, +<paramref name="length"/>), which must cover whole mappings;
    /// table pages left empty are freed. Returns what was unmapped.
    /// </summary>
    public IReadOnlyList<DmaMappingInfo> Unmap(ushort domainId, ulong iova, long length)
    {
        ValidateDmaRange(iova, length);
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozen();
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
            var editor = NewTableEditor();
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
            CommitDma(editor, domain.Node);
            for (var i = 0; i < records.Count; i++)
            {
                records[i].RecordIndex = i;
            }

            domain.Records = records;
            domain.MappingBlocks = blocks;
            foreach (var victim in victims)
            {
                domain.ByIova.Remove(victim);
                _dma.Unpin(victim);
                RefreshMappedBytes(victim.FileInode);
            }

            return unmapped;
        }
    }

    /// <summary>Walks domain <paramref name="domainId"/>'s tables from its top level for <paramref name="iova"/>.</summary>
    public DmaTranslation Translate(ushort domainId, ulong iova)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var domain = RequireDomain(domainId);
            RequireWithinWidth(domain, iova, 1);
            return Walk(domain, domain.TopTable, domain.Levels, domain.PhysicalBase, iova, entriesRead: 0);
        }
    }

    /// <summary>Walks from the root table as the IOMMU does for a request from <paramref name="device"/>: root entry, context entry, then the levels its AW field gives.</summary>
    public DmaTranslation Translate(PciAddress device, ulong iova)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var physicalBase = _superblocks.Current.PhysicalBase;
            if (_dma.RootTableNode is null || device.Segment != 0)
            {
                throw new RegionException(RegionError.NotFound, $"{device} is not attached to any domain (no root table entry)");
            }

            var rootLow = TableWord(_dma.RootTable, 2 * device.Bus);
            if ((rootLow & VtdFormat.Present) == 0)
            {
                throw new RegionException(RegionError.NotFound, $"{device}: the root entry for bus {device.Bus:x2} is not present");
            }

            var context = RegionOffsetOf(rootLow & VtdFormat.PointerMask, physicalBase, "root entry");
            var low = TableWord(context, 2 * device.DevFn);
            var high = TableWord(context, (2 * device.DevFn) + 1);
            if ((low & VtdFormat.Present) == 0)
            {
                throw new RegionException(RegionError.NotFound, $"{device}: its context entry is not present");
            }

            var levels = (int)(high & 7) + 2;
            var domainId = (ushort)(high >> 8);
            var domain = RequireDomain(domainId);
            if (iova >= 1UL << (12 + (9 * levels)))
            {
                throw RegionException.Invalid($"IOVA 0x{iova:x} is beyond {device}'s {12 + (9 * levels)}-bit address width");
            }

            var top = RegionOffsetOf(low & VtdFormat.PointerMask, physicalBase, "context entry");
            return Walk(domain, top, levels, domain.PhysicalBase, iova, entriesRead: 2);
        }
    }

    /// <summary>Every domain, by id.</summary>
    public IReadOnlyList<DmaDomainInfo> ListDomains()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return _dma.Domains.Values.Select(DomainInfo).ToList();
        }
    }

    /// <summary>One domain.</summary>
    public DmaDomainInfo GetDomain(ushort domainId)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return DomainInfo(RequireDomain(domainId));
        }
    }

    /// <summary>A domain's mappings in IOVA order: the record a VMM replays through iommufd/VFIO after a kexec.</summary>
    public IReadOnlyList<DmaMappingInfo> ListMappings(ushort domainId)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var domain = RequireDomain(domainId);
            return domain.ByIova.Select(m => MappingInfo(domain, m)).ToList();
        }
    }

    /// <summary>Physical address of the root table (0 until a device is attached).</summary>
    public ulong RootTablePhysical
    {
        get
        {
            lock (_lock)
            {
                ThrowIfDisposed();
                return RootTablePhysicalCore();
            }
        }
    }

    private ulong RootTablePhysicalCore() => _dma.RootTableNode is null ? 0 : _superblocks.Current.PhysicalBase + (ulong)_dma.RootTable;

    private DmaTranslation Walk(DmaDomain domain, long page, int levels, ulong physicalBase, ulong iova, int entriesRead)
    {
        for (var level = levels; level >= 1; level--)
        {
            var entry = TableWord(page, VtdFormat.IndexOf(iova, level));
            entriesRead++;
            if (!VtdFormat.IsPresent(entry))
            {
                throw new RegionException(RegionError.NotFound, $"IOVA 0x{iova:x} is not mapped in domain {domain.Id} (level-{level} entry not present)");
            }

            if (VtdFormat.IsLeaf(entry, level))
            {
                var size = VtdFormat.CoverageOf(level);
                var physical = (entry & VtdFormat.AddressMask & ~(size - 1)) + (iova & (size - 1));
                var mapping = domain.Intersecting(iova, iova + 1) is [var m] ? m : null;
                var file = mapping is null ? null : _nodes.GetValueOrDefault(mapping.FileInode);
                return new DmaTranslation
                {
                    DomainId = domain.Id,
                    Iova = iova,
                    PhysicalAddress = physical,
                    RegionOffset = RegionOffsetOf(physical, physicalBase, "leaf entry"),
                    PageSize = (long)size,
                    Readable = (entry & VtdFormat.Read) != 0,
                    Writable = (entry & VtdFormat.Write) != 0,
                    EntriesRead = entriesRead,
                    Path = file?.Path,
                    FileOffset = mapping is null ? 0 : mapping.FileOffset + (long)(iova - mapping.Iova),
                };
            }

            page = RegionOffsetOf(entry & VtdFormat.AddressMask, physicalBase, $"level-{level} entry");
        }

        throw RegionException.Corrupt($"IOMMU table of domain {domain.Id}", page, "the walk ran past level 1");
    }

    private ulong TableWord(long page, int index) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_device.Span(page + (index * sizeof(ulong)), sizeof(ulong)));

    private long RegionOffsetOf(ulong physical, ulong physicalBase, string what)
    {
        if (physical < physicalBase || physical - physicalBase > (ulong)(_device.Size - TablePage))
        {
            throw RegionException.Corrupt("IOMMU table", 0, $"a {what} points to physical 0x{physical:x}, outside the region");
        }

        return (long)(physical - physicalBase);
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

    private static void StageDomainPage(TableEditor editor, DmaDomain domain, List<long> blocks, List<PciAddress> devices)
    {
        Span<byte> image = stackalloc byte[VtdFormat.PageSize];
        DmaDomainRecord.Write(image, domain.ToContents(blocks, devices));
        editor.WritePage(domain.DomainPage, image);
    }

    /// <summary>Stages clearing the context entries of <paramref name="devices"/>, and freeing a bus's context table (a root-table page) when none is left on it.</summary>
    private void StageDetach(TableEditor editor, List<PciAddress> devices)
    {
        foreach (var device in devices)
        {
            var context = _dma.ContextTables[device.Bus];
            editor.Write(context, 2 * device.DevFn, 0);
            editor.Write(context, (2 * device.DevFn) + 1, 0);
        }

        foreach (var bus in devices.Select(d => d.Bus).Distinct())
        {
            if (!_dma.DeviceOwners.Keys.Any(d => d.Bus == bus && !devices.Contains(d)))
            {
                editor.Free(_dma.ContextTables[bus]);
                editor.Write(_dma.RootTable, 2 * bus, 0);
            }
        }
    }

    private void ForgetDevices(IEnumerable<PciAddress> devices, TableEditor editor)
    {
        foreach (var device in devices.ToList())
        {
            _dma.DeviceOwners.Remove(device);
            if (_dma.ContextTables.TryGetValue(device.Bus, out var context) && editor.Freed.Contains(context))
            {
                _dma.ContextTables.Remove(device.Bus);
            }
        }
    }

    /// <summary>
    /// Commits an editor's changes, with <paramref name="owner"/>'s inode taking the pages the editor allocated and freed,
    /// and <paramref name="moreWrites"/> added to the same transaction; freed pages are released after a checkpoint.
    /// </summary>
    private void CommitDma(TableEditor editor, Node? owner, Action? moreWrites = null)
    {
        var saved = SaveNode(owner);
        try
        {
            if (owner is not null && (editor.Allocated.Count > 0 || editor.Freed.Count > 0))
            {
                ApplyPages(owner, PageExtents.With(owner.Extents, editor.Allocated, editor.Freed));
            }

            editor.Emit(_transaction);
            if (owner is not null)
            {
                InodeWriter.Write(_transaction, owner, _inodes.SlotOffset(owner.Number));
            }

            moreWrites?.Invoke();
            _journal.Commit(_transaction);
        }
        catch
        {
            _transaction.Clear();
            RestoreNode(saved);
            throw;
        }

        FinishNode(saved);
        ReleasePagesAfterCheckpoint(editor.Freed);
    }

    private sealed record SavedNode(Node Node, List<ExtentRecord> Extents, List<long> Blocks, long Size, ulong Generation, long ModifiedUnixMs);

    private static SavedNode? SaveNode(Node? node) =>
        node is null ? null : new SavedNode(node, node.Extents, new List<long>(node.ExtentBlocks), node.Size, node.Generation, node.ModifiedUnixMs);

    /// <summary>Gives <paramref name="node"/> new page extents (size follows) and the extent blocks they need.</summary>
    private void ApplyPages(Node node, List<ExtentRecord> extents)
    {
        node.Extents = extents;
        node.Size = node.AllocatedBytes;
        node.Generation++;
        node.ModifiedUnixMs = NowUnixMs();
        ResizeExtentBlocks(node);
    }

    private void RestoreNode(SavedNode? saved)
    {
        if (saved is null)
        {
            return;
        }

        var node = saved.Node;
        foreach (var block in node.ExtentBlocks.Except(saved.Blocks))
        {
            _allocator.FreeSmall(block, ExtentBlock.TotalSize);
        }

        node.Extents = saved.Extents;
        node.ExtentBlocks = saved.Blocks;
        node.Size = saved.Size;
        node.Generation = saved.Generation;
        node.ModifiedUnixMs = saved.ModifiedUnixMs;
    }

    private void FinishNode(SavedNode? saved)
    {
        if (saved is not null)
        {
            FreeExtentBlocks(saved.Blocks.Except(saved.Node.ExtentBlocks).ToList());
        }
    }

    private TableEditor NewTableEditor() => new(_device, () => _allocator.AllocateSmall(TablePage)[0].RegionOffset);

    private void ReleasePages(IEnumerable<long> pages)
    {
        foreach (var page in pages)
        {
            _allocator.FreeSmall(page, TablePage);
        }
    }

    /// <summary>Frees pages a committed transaction released, after a checkpoint: older journal records may still write them.</summary>
    private void ReleasePagesAfterCheckpoint(IReadOnlyList<long> pages)
    {
        if (pages.Count > 0)
        {
            _journal.CheckpointHere();
            ReleasePages(pages);
        }
    }

    private Node EnsureDmaDirectory()
    {
        if (_dma.Directory is not null)
        {
            return _dma.Directory;
        }

        if (_root.Children!.ContainsKey(DmaState.DirectoryName))
        {
            throw new RegionException(RegionError.FailedPrecondition,
                $"'/{DmaState.DirectoryName}' exists but is not a directory the Dma service can use; move it away");
        }

        _dma.Directory = CreateCore(_root, DmaState.DirectoryName, FileKind.Directory, 0, 0, new CreateFileOptions(Mode: CreateFileOptions.DefaultDirectoryMode));
        return _dma.Directory;
    }

    /// <summary>The root-table inode, created (one zeroed page, in a transaction of its own) on first use.</summary>
    private Node EnsureRootTable()
    {
        if (_dma.RootTableNode is not null)
        {
            return _dma.RootTableNode;
        }

        var directory = EnsureDmaDirectory();
        if (directory.Children!.ContainsKey(DmaState.RootTableName))
        {
            throw RegionException.Corrupt("IOMMU directory", 0, $"'{DmaState.RootTableName}' exists but was not loaded as the root table");
        }

        _dma.RootTableNode = CreateCore(directory, DmaState.RootTableName, FileKind.IommuPageTable, TablePage, TablePage, new CreateFileOptions());
        return _dma.RootTableNode;
    }

    private DmaDomain RequireDomain(ushort domainId) =>
        _dma.Domains.TryGetValue(domainId, out var domain)
            ? domain
            : throw new RegionException(RegionError.NotFound, $"domain {domainId} does not exist");

    private static void ValidateDmaRange(ulong iova, long length)
    {
        if (iova % TablePage != 0)
        {
            throw RegionException.Invalid($"IOVA 0x{iova:x} is not 4 KiB aligned");
        }

        if (length <= 0 || length % TablePage != 0)
        {
            throw RegionException.Invalid($"length {length} is not a positive multiple of 4 KiB");
        }
    }

    private static void RequireWithinWidth(DmaDomain domain, ulong iova, long length)
    {
        if (iova >= domain.IovaLimit || (ulong)length > domain.IovaLimit - iova)
        {
            throw RegionException.Invalid($"IOVA 0x{iova:x} + {length} bytes is beyond domain {domain.Id}'s {domain.AddressWidth}-bit address width");
        }
    }

    private void RefreshMappedBytes(ulong inode)
    {
        if (_nodes.TryGetValue(inode, out var node))
        {
            node.DmaMappedBytes = _dma.MappedBytesOf(inode);
        }
    }

    /// <summary>Refuses to free file space a DMA mapping points to: a file shrunk below <paramref name="keepBytes"/>, or removed (0).</summary>
    private void ThrowIfPinned(Node node, long keepBytes, string action)
    {
        if (!_dma.Pins.TryGetValue(node.Number, out var pins))
        {
            return;
        }

        foreach (var (domain, mapping) in pins.OrderBy(p => p.Domain.Id).ThenBy(p => p.Mapping.Iova))
        {
            if (mapping.FileOffset + mapping.Length > keepBytes)
            {
                throw new RegionException(RegionError.FailedPrecondition,
                    $"cannot {action} '{node.Path}': it is DMA-mapped (domain {domain.Id} maps IOVA 0x{mapping.Iova:x}–0x{mapping.End:x} to file offset {mapping.FileOffset}); unmap it first");
            }
        }
    }

    /// <summary>True for the Dma service's directory and everything in it: the Files operations leave them alone.</summary>
    private bool IsDmaManaged(Node node) =>
        _dma.Directory is not null && (ReferenceEquals(node, _dma.Directory) || ReferenceEquals(node.Parent, _dma.Directory));

    private void ThrowIfDmaManaged(Node node, string path)
    {
        if (IsDmaManaged(node))
        {
            throw new RegionException(RegionError.FailedPrecondition, $"'{path}' is managed by the Dma service; use the Dma calls (DestroyDomain, Unmap)");
        }
    }

    private void ThrowIfDmaName(Node parent, string name, string path)
    {
        if ((ReferenceEquals(parent, _root) && name == DmaState.DirectoryName) || (_dma.Directory is not null && ReferenceEquals(parent, _dma.Directory)))
        {
            throw new RegionException(RegionError.FailedPrecondition, $"'{path}' is reserved for the Dma service's IOMMU tables");
        }
    }

    private DmaDomainInfo DomainInfo(DmaDomain domain)
    {
        var pages = domain.Node.AllocatedBytes / TablePage;
        return new DmaDomainInfo
        {
            Id = domain.Id,
            AddressWidth = domain.AddressWidth,
            Levels = domain.Levels,
            OwnerUid = domain.OwnerUid,
            VmUuid = domain.VmUuid,
            Devices = domain.Devices.ToList(),
            MappingCount = domain.Records.Count,
            MappedBytes = domain.MappedBytes,
            TablePages = (int)pages - 1 - domain.MappingBlocks.Count,
            TopTablePhysical = domain.PhysicalBase + (ulong)domain.TopTable,
            RootTablePhysical = RootTablePhysicalCore(),
            Path = domain.Node.Path,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(domain.CreatedUnixMs),
        };
    }

    private DmaMappingInfo MappingInfo(DmaDomain domain, DmaMapping mapping)
    {
        var file = _nodes[mapping.FileInode];
        int small = 0, large = 0, huge = 0;
        foreach (var leaf in DmaLeaves.Of(file.Extents, mapping.FileOffset, mapping.Length, mapping.Iova, domain.PhysicalBase, domain.Levels))
        {
            _ = leaf.Level switch { 1 => small++, 2 => large++, _ => huge++ };
        }

        return new DmaMappingInfo
        {
            DomainId = domain.Id,
            Iova = mapping.Iova,
            Length = mapping.Length,
            Path = file.Path,
            FileOffset = mapping.FileOffset,
            Readable = mapping.Readable,
            Writable = mapping.Writable,
            Pages4K = small,
            Pages2M = large,
            Pages1G = huge,
        };
    }
}
