using System.Buffers.Binary;

namespace LiveUpdate.Region.Dma;

public sealed partial class DmaRecord
{
    /// <summary>Walks domain <paramref name="domainId"/>'s tables from its top level for <paramref name="iova"/>.</summary>
    public DmaTranslation Translate(ushort domainId, ulong iova)
    {
        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposed();
            var domain = RequireDomain(domainId);
            RequireWithinWidth(domain, iova, 1);
            return Walk(domain, domain.TopTable, domain.Levels, domain.PhysicalBase, iova, entriesRead: 0);
        }
    }

    /// <summary>Walks from the root table as the IOMMU does for a request from <paramref name="device"/>: root entry, context entry, then the levels its AW field gives.</summary>
    public DmaTranslation Translate(PciAddress device, ulong iova)
    {
        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposed();
            var entries = ReadDeviceEntriesCore(device);
            if ((entries.Context.Low & VtdFormat.Present) == 0)
            {
                throw new RegionException(RegionError.NotFound, $"{device}: its context entry is not present");
            }

            var levels = (int)(entries.Context.High & 7) + 2;
            var domainId = (ushort)(entries.Context.High >> 8);
            var domain = RequireDomain(domainId);
            if (iova >= 1UL << (12 + (9 * levels)))
            {
                throw RegionException.Invalid($"IOVA 0x{iova:x} is beyond {device}'s {12 + (9 * levels)}-bit address width");
            }

            var physicalBase = _region.PhysicalBase;
            var top = RegionOffsetOf(entries.Context.Low & VtdFormat.PointerMask, physicalBase, "context entry");
            return Walk(domain, top, levels, domain.PhysicalBase, iova, entriesRead: 2);
        }
    }

    /// <summary>
    /// <paramref name="device"/>'s VT-d root and context entries as the tables hold them, read back from the region, so
    /// that a caller shows what an IOMMU (or an outside checker) would read, not what was meant to be written. The walk is
    /// the hardware's: the root table indexed by bus, the root entry's context-table pointer, the context table indexed
    /// by devfn; each entry is 16 bytes, two little-endian 64-bit words.
    /// </summary>
    /// <exception cref="RegionException"><see cref="RegionError.NotFound"/> when the bus has no root entry;
    /// <see cref="RegionError.Corrupt"/> when the root entry points outside the region.</exception>
    public VtdDeviceEntries ReadDeviceEntries(PciAddress device)
    {
        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposed();
            return ReadDeviceEntriesCore(device);
        }
    }

    private VtdDeviceEntries ReadDeviceEntriesCore(PciAddress device)
    {
        if (_state.RootTableNode is null || device.Segment != 0)
        {
            throw new RegionException(RegionError.NotFound, $"{device} is not attached to any domain (no root table entry)");
        }

        var root = new VtdEntry(TableWord(_state.RootTable, 2 * device.Bus), TableWord(_state.RootTable, (2 * device.Bus) + 1));
        if ((root.Low & VtdFormat.Present) == 0)
        {
            throw new RegionException(RegionError.NotFound, $"{device}: the root entry for bus {device.Bus:x2} is not present");
        }

        var contextTable = root.Low & VtdFormat.PointerMask;
        var context = RegionOffsetOf(contextTable, _region.PhysicalBase, "root entry");
        return new VtdDeviceEntries(
            RootTablePhysicalCore(),
            root,
            contextTable,
            new VtdEntry(TableWord(context, 2 * device.DevFn), TableWord(context, (2 * device.DevFn) + 1)));
    }

    /// <summary>Every domain, by id.</summary>
    public IReadOnlyList<DmaDomainInfo> ListDomains()
    {
        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposed();
            return _state.Domains.Values.Select(DomainInfo).ToList();
        }
    }

    /// <summary>One domain.</summary>
    public DmaDomainInfo GetDomain(ushort domainId)
    {
        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposed();
            return DomainInfo(RequireDomain(domainId));
        }
    }

    /// <summary>A domain's mappings in IOVA order: the record a VMM replays through iommufd/VFIO after a kexec.</summary>
    public IReadOnlyList<DmaMappingInfo> ListMappings(ushort domainId)
    {
        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposed();
            var domain = RequireDomain(domainId);
            return domain.ByIova.Select(m => MappingInfo(domain, m)).ToList();
        }
    }

    /// <summary>Physical address of the root table (0 until a device is attached).</summary>
    public ulong RootTablePhysical
    {
        get
        {
            lock (_region.SyncRoot)
            {
                _region.ThrowIfDisposed();
                return RootTablePhysicalCore();
            }
        }
    }

    private ulong RootTablePhysicalCore() => _state.RootTableNode is null ? 0 : _region.PhysicalBase + (ulong)_state.RootTable;

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
                var file = mapping is null ? null : _region.Nodes.GetValueOrDefault(mapping.FileInode);
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
        BinaryPrimitives.ReadUInt64LittleEndian(_region.Device.Span(page + (index * sizeof(ulong)), sizeof(ulong)));

    private long RegionOffsetOf(ulong physical, ulong physicalBase, string what)
    {
        if (physical < physicalBase || physical - physicalBase > (ulong)(_region.Device.Size - TablePage))
        {
            throw RegionException.Corrupt("IOMMU table", 0, $"a {what} points to physical 0x{physical:x}, outside the region");
        }

        return (long)(physical - physicalBase);
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
        var file = _region.Nodes[mapping.FileInode];
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
