using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region.Dma;

public sealed partial class DmaRecord
{
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

        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposedOrFrozen();
            if (_state.Domains.ContainsKey(domainId))
            {
                throw new RegionException(RegionError.AlreadyExists, $"domain {domainId} exists");
            }

            var directory = EnsureDirectory();
            var name = DmaState.DomainName(domainId);
            _region.EnsureFreeInode();
            using var transaction = _region.BeginTransaction();
            var editor = NewTableEditor(transaction);
            _ = editor.NewPage(); // the domain page: the inode's first page, which identifies it
            var topTable = editor.NewPage();
            var (number, generation) = transaction.TakeInode();
            var now = _region.NowUnixMs();
            var node = new Node
            {
                Number = number,
                Generation = generation,
                Kind = FileKind.IommuPageTable,
                Name = name,
                Parent = directory,
                OwnerUid = options.OwnerUid,
                Mode = CreateFileOptions.DefaultFileMode,
                InstanceId = _region.NewInstanceId(),
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
                PhysicalBase = _region.PhysicalBase,
            };
            StageDomainPage(editor, domain, [], []);
            PersistentRegion.ResizeExtentBlocks(transaction, node);
            editor.Emit(transaction.Writes);
            transaction.WriteInode(node);
            transaction.Commit();
            directory.Children!.Add(name, node);
            _region.Nodes.Add(number, node);
            _state.Domains[domainId] = domain;
            return DomainInfo(domain);
        }
    }

    /// <summary>Removes a domain with its tables and mappings (which unpins their files) and detaches its devices.</summary>
    public void DestroyDomain(ushort domainId)
    {
        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposedOrFrozen();
            var domain = RequireDomain(domainId);
            using var transaction = _region.BeginTransaction();
            var editor = NewTableEditor(transaction);
            StageDetach(editor, domain.Devices);
            Stage(transaction, editor, editor.Freed.Count > 0 ? _state.RootTableNode : null);
            var node = domain.Node;
            transaction.WriteFreeInode(node);
            transaction.ReleaseInode(node);
            foreach (var extent in node.Extents)
            {
                transaction.ReleaseMetadata(extent.RegionOffset, extent.Length);
            }

            transaction.ReleaseExtentBlocks(node.ExtentBlocks);
            transaction.Commit();
            node.Parent!.Children!.Remove(node.Name);
            _region.Nodes.Remove(node.Number);
            ForgetDevices(domain.Devices, editor);
            foreach (var mapping in domain.Records)
            {
                _state.Unpin(mapping);
                RefreshMappedBytes(mapping.FileInode);
            }

            _state.Domains.Remove(domainId);
        }
    }

    /// <summary>Attaches PCI function <paramref name="device"/> to a domain: its root and context entries point at the domain's tables.</summary>
    public DmaDomainInfo AttachDevice(ushort domainId, PciAddress device)
    {
        if (device.Segment != 0)
        {
            throw RegionException.Invalid($"{device}: only PCI segment 0000 is supported (the region keeps one root table)");
        }

        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposedOrFrozen();
            var domain = RequireDomain(domainId);
            if (_state.DeviceOwners.TryGetValue(device, out var owner))
            {
                throw new RegionException(RegionError.AlreadyExists, $"{device} is already attached to domain {owner.Id}");
            }

            if (domain.Devices.Count >= DmaDomainRecord.DeviceCapacity)
            {
                throw new RegionException(RegionError.NoSpace, $"domain {domainId} has the most devices a domain records ({DmaDomainRecord.DeviceCapacity})");
            }

            var rootNode = EnsureRootTable();
            using var transaction = _region.BeginTransaction();
            var editor = NewTableEditor(transaction);
            var fresh = !_state.ContextTables.TryGetValue(device.Bus, out var context);
            if (fresh)
            {
                context = editor.NewPage();
                editor.Write(_state.RootTable, 2 * device.Bus, VtdFormat.RootEntry(_region.PhysicalBase + (ulong)context));
            }

            editor.Write(context, 2 * device.DevFn, VtdFormat.ContextEntryLow(domain.PhysicalBase + (ulong)domain.TopTable));
            editor.Write(context, (2 * device.DevFn) + 1, VtdFormat.ContextEntryHigh(domain.AddressWidth, domain.Id));
            List<PciAddress> devices = [.. domain.Devices, device];
            StageDomainPage(editor, domain, domain.MappingBlocks, devices);
            Stage(transaction, editor, fresh ? rootNode : null);
            transaction.Commit();
            if (fresh)
            {
                _state.ContextTables[device.Bus] = context;
            }

            domain.Devices = devices;
            _state.DeviceOwners[device] = domain;
            return DomainInfo(domain);
        }
    }

    /// <summary>Detaches a device from its domain: its context entry is cleared (and the bus's context table freed when it was the last).</summary>
    public DmaDomainInfo DetachDevice(PciAddress device)
    {
        lock (_region.SyncRoot)
        {
            _region.ThrowIfDisposedOrFrozen();
            if (!_state.DeviceOwners.TryGetValue(device, out var domain))
            {
                throw new RegionException(RegionError.NotFound, $"{device} is not attached to any domain");
            }

            using var transaction = _region.BeginTransaction();
            var editor = NewTableEditor(transaction);
            StageDetach(editor, [device]);
            List<PciAddress> devices = [.. domain.Devices.Where(d => d != device)];
            StageDomainPage(editor, domain, domain.MappingBlocks, devices);
            Stage(transaction, editor, editor.Freed.Count > 0 ? _state.RootTableNode : null);
            transaction.Commit();
            ForgetDevices([device], editor);
            domain.Devices = devices;
            return DomainInfo(domain);
        }
    }

    /// <summary>Stages clearing the context entries of <paramref name="devices"/>, and freeing a bus's context table (a root-table page) when none is left on it.</summary>
    private void StageDetach(TableEditor editor, List<PciAddress> devices)
    {
        foreach (var device in devices)
        {
            var context = _state.ContextTables[device.Bus];
            editor.Write(context, 2 * device.DevFn, 0);
            editor.Write(context, (2 * device.DevFn) + 1, 0);
        }

        foreach (var bus in devices.Select(d => d.Bus).Distinct())
        {
            if (!_state.DeviceOwners.Keys.Any(d => d.Bus == bus && !devices.Contains(d)))
            {
                editor.Free(_state.ContextTables[bus]);
                editor.Write(_state.RootTable, 2 * bus, 0);
            }
        }
    }

    private void ForgetDevices(IEnumerable<PciAddress> devices, TableEditor editor)
    {
        foreach (var device in devices.ToList())
        {
            _state.DeviceOwners.Remove(device);
            if (_state.ContextTables.TryGetValue(device.Bus, out var context) && editor.Freed.Contains(context))
            {
                _state.ContextTables.Remove(device.Bus);
            }
        }
    }

    private static void StageDomainPage(TableEditor editor, DmaDomain domain, List<long> blocks, List<PciAddress> devices)
    {
        Span<byte> image = stackalloc byte[VtdFormat.PageSize];
        DmaDomainRecord.Write(image, domain.ToContents(blocks, devices));
        editor.WritePage(domain.DomainPage, image);
    }

    private Node EnsureDirectory()
    {
        if (_state.Directory is not null)
        {
            return _state.Directory;
        }

        if (_region.Root.Children!.ContainsKey(DmaState.DirectoryName))
        {
            throw new RegionException(RegionError.FailedPrecondition,
                $"'/{DmaState.DirectoryName}' exists but is not a directory the Dma service can use; move it away");
        }

        _state.Directory = _region.CreateCore(_region.Root, DmaState.DirectoryName, FileKind.Directory, 0, 0, new CreateFileOptions(Mode: CreateFileOptions.DefaultDirectoryMode));
        return _state.Directory;
    }

    /// <summary>The root-table inode, created (one zeroed page, in a transaction of its own) on first use.</summary>
    private Node EnsureRootTable()
    {
        if (_state.RootTableNode is not null)
        {
            return _state.RootTableNode;
        }

        var directory = EnsureDirectory();
        if (directory.Children!.ContainsKey(DmaState.RootTableName))
        {
            throw RegionException.Corrupt("IOMMU directory", 0, $"'{DmaState.RootTableName}' exists but was not loaded as the root table");
        }

        _state.RootTableNode = _region.CreateCore(directory, DmaState.RootTableName, FileKind.IommuPageTable, TablePage, TablePage, new CreateFileOptions());
        return _state.RootTableNode;
    }
}
