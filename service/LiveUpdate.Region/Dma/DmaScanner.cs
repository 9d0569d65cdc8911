using System.Globalization;
using System.Runtime.InteropServices;
using LiveUpdate.Region.Checking;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region.Dma;

/// <summary>
/// Reads the IOMMU structures of a region and checks every invariant of docs/design.md §8: the domain pages and
/// mapping blocks verify; every present root, context and second-level entry is exactly what the mapping
/// records and device attachments imply (so it points inside the region, into an extent of a live file, with
/// no wider permissions); no table page is reached twice or from two domains; no page of an IOMMU inode is
/// left unreached (leaked). Table pages carry no checksum — they are in the hardware's format — so comparing
/// every entry with the value the records imply is what finds a flipped bit.
/// </summary>
internal sealed class DmaScanner
{
    private readonly RegionDevice _device;
    private readonly ulong _physicalBase;
    private readonly IReadOnlyDictionary<ulong, Node> _nodes;
    private readonly List<CheckProblem> _problems;
    private readonly DmaState _state = new();
    private readonly Dictionary<long, Node> _pageOwners = [];
    private readonly HashSet<long> _reached = [];

    private DmaScanner(RegionDevice device, ulong physicalBase, IReadOnlyDictionary<ulong, Node> nodes, List<CheckProblem> problems)
    {
        _device = device;
        _physicalBase = physicalBase;
        _nodes = nodes;
        _problems = problems;
    }

    /// <summary>Scans the IOMMU structures under <paramref name="root"/>; problems found are added to <paramref name="problems"/>.</summary>
    public static DmaState Scan(RegionDevice device, ulong physicalBase, Node root, IReadOnlyDictionary<ulong, Node> nodes, List<CheckProblem> problems)
    {
        var scanner = new DmaScanner(device, physicalBase, nodes, problems);
        scanner.Run(root);
        return scanner._state;
    }

    private void Run(Node root)
    {
        if (root.Children?.TryGetValue(DmaState.DirectoryName, out var directory) != true || !directory!.IsDirectory)
        {
            return;
        }

        _state.Directory = directory;
        foreach (var node in directory.Children!.Values.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            if (node.Kind != FileKind.IommuPageTable || node.Extents.Count == 0)
            {
                Problem(node, FirstPage(node), $"'{node.Path}' is not an IOMMU table inode, yet it is in the Dma service's directory");
                continue;
            }

            foreach (var page in PagesOf(node))
            {
                if (!_pageOwners.TryAdd(page, node))
                {
                    Problem(node, page, $"page 0x{page:x} belongs to both '{_pageOwners[page].Path}' and '{node.Path}'");
                }
            }

            if (node.Name == DmaState.RootTableName)
            {
                _state.RootTableNode = node;
            }
            else if (node.Name.StartsWith(DmaState.DomainPrefix, StringComparison.Ordinal)
                && ushort.TryParse(node.Name.AsSpan(DmaState.DomainPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id != 0)
            {
                LoadDomain(node, id);
            }
            else
            {
                Problem(node, FirstPage(node), $"'{node.Path}' is neither the root table nor a domain-N inode");
            }
        }

        CheckRootAndContextTables();
        foreach (var (page, owner) in _pageOwners)
        {
            if (!_reached.Contains(page))
            {
                Problem(owner, page, $"leaked table page 0x{page:x} of '{owner.Path}': nothing reaches it");
            }
        }
    }

    private void LoadDomain(Node node, ushort id)
    {
        var descriptorPage = FirstPage(node);
        _reached.Add(descriptorPage);
        var contents = DmaDomainRecord.Read(_device.Span(descriptorPage, VtdFormat.PageSize), out var problem);
        if (contents is null || contents.DomainId != id || VtdFormat.LevelsFor(contents.AddressWidth) == 0
            || contents.Levels != VtdFormat.LevelsFor(contents.AddressWidth))
        {
            Problem(node, descriptorPage, $"domain page of '{node.Path}': {problem ?? "its id, address width or levels are wrong"}");
            return;
        }

        // ListDomains turns the creation time into a DateTimeOffset: an impossible one must be refused here, not thrown there.
        if (!MetadataScanner.IsUnixMs(contents.CreatedUnixMs))
        {
            Problem(node, descriptorPage, $"domain {id}'s creation time {contents.CreatedUnixMs} is not valid unix milliseconds");
            return;
        }

        if (!IsPageOf(node, contents.TopTable) || contents.TopTable == descriptorPage)
        {
            Problem(node, descriptorPage, $"domain {id}'s top table 0x{contents.TopTable:x} is not one of its pages");
            return;
        }

        if (contents.PhysicalBase != _physicalBase)
        {
            Problem(node, descriptorPage, $"domain {id}'s tables address physical base 0x{contents.PhysicalBase:x}, but the region is now at 0x{_physicalBase:x}: " +
                "attach it at its old base, or unmap and map again");
        }

        var domain = new DmaDomain
        {
            Id = id,
            AddressWidth = contents.AddressWidth,
            OwnerUid = contents.OwnerUid,
            VmUuid = contents.VmUuid,
            CreatedUnixMs = contents.CreatedUnixMs,
            Node = node,
            TopTable = contents.TopTable,
            PhysicalBase = contents.PhysicalBase,
            Devices = contents.Devices.Select(PciAddress.FromPacked).ToList(),
        };
        LoadMappings(domain, contents.FirstMappingBlock);
        _state.Domains[id] = domain;
        foreach (var device in domain.Devices)
        {
            if (!_state.DeviceOwners.TryAdd(device, domain))
            {
                Problem(node, descriptorPage, $"device {device} is attached to both domain {_state.DeviceOwners[device].Id} and domain {id}");
            }
        }

        var expected = new Dictionary<ulong, (int Level, ulong Entry)>();
        foreach (var mapping in domain.ByIova)
        {
            var file = _nodes[mapping.FileInode];
            foreach (var leaf in DmaLeaves.Of(file.Extents, mapping.FileOffset, mapping.Length, mapping.Iova, contents.PhysicalBase, domain.Levels))
            {
                expected[leaf.Iova] = (leaf.Level, VtdFormat.LeafEntry(leaf.Physical, leaf.Level, mapping.Readable, mapping.Writable));
            }
        }

        var matched = new HashSet<ulong>();
        Walk(domain, domain.TopTable, domain.Levels, 0, expected, matched);
        foreach (var (iova, leaf) in expected)
        {
            if (!matched.Contains(iova))
            {
                Problem(node, domain.TopTable, $"domain {id} has no level-{leaf.Level} entry for mapped IOVA 0x{iova:x}");
            }
        }
    }

    private void LoadMappings(DmaDomain domain, long first)
    {
        var node = domain.Node;
        for (long block = first, index = 0; block != 0; index++)
        {
            if (!IsPageOf(node, block) || !_reached.Add(block))
            {
                Problem(node, block, $"domain {domain.Id}'s mapping chain reaches 0x{block:x}, which is not a free page of its inode");
                return;
            }

            var read = DmaMappingBlock.Read(_device.Span(block, VtdFormat.PageSize), out var problem);
            if (read is not { } contents || contents.Header.DomainId != domain.Id || contents.Header.Index != index
                || (contents.Header.Next != 0 && contents.Header.Count != DmaMappingBlock.Capacity))
            {
                Problem(node, block, $"mapping block {index} of domain {domain.Id}: {problem ?? "wrong domain, position or count"}");
                return;
            }

            domain.MappingBlocks.Add(block);
            foreach (var record in contents.Records)
            {
                var mapping = DmaMapping.FromRecord(record, domain.Records.Count);
                if (ValidateRecord(domain, mapping) is { } what)
                {
                    Problem(node, block, $"mapping record {mapping.RecordIndex} of domain {domain.Id} (IOVA 0x{mapping.Iova:x}): {what}");
                    continue;
                }

                domain.Records.Add(mapping);
            }

            block = contents.Header.Next;
        }

        domain.ByIova = [.. domain.Records.OrderBy(m => m.Iova)];
        for (var i = 1; i < domain.ByIova.Count; i++)
        {
            if (domain.ByIova[i].Iova < domain.ByIova[i - 1].End)
            {
                Problem(node, FirstPage(node), $"domain {domain.Id}'s mappings at IOVA 0x{domain.ByIova[i - 1].Iova:x} and 0x{domain.ByIova[i].Iova:x} overlap");
            }
        }

        foreach (var mapping in domain.Records)
        {
            _state.Pin(domain, mapping);
        }
    }

    private string? ValidateRecord(DmaDomain domain, DmaMapping mapping)
    {
        const long page = VtdFormat.PageSize;
        if (mapping.Length <= 0 || mapping.Length % page != 0 || mapping.Iova % page != 0 || mapping.FileOffset < 0 || mapping.FileOffset % page != 0
            || mapping.Iova >= domain.IovaLimit || (ulong)mapping.Length > domain.IovaLimit - mapping.Iova || !(mapping.Readable || mapping.Writable))
        {
            return "its IOVA, length, file offset or permissions are invalid";
        }

        if (!_nodes.TryGetValue(mapping.FileInode, out var file) || file.Kind != FileKind.GuestMemory)
        {
            return $"it points into inode {mapping.FileInode}, which is not a live guest-memory file";
        }

        return mapping.FileOffset + mapping.Length > file.AllocatedBytes
            ? $"it runs past the end of '{file.Path}' ({file.AllocatedBytes} bytes)"
            : null;
    }

    private void Walk(DmaDomain domain, long page, int level, ulong baseIova, Dictionary<ulong, (int Level, ulong Entry)> expected, HashSet<ulong> matched)
    {
        if (page != domain.TopTable && !_reached.Add(page))
        {
            Problem(domain.Node, page, $"table page 0x{page:x} is reached twice in domain {domain.Id}");
            return;
        }

        _reached.Add(page);
        var entries = MemoryMarshal.Cast<byte, ulong>(_device.Span(page, VtdFormat.PageSize));
        var present = 0;
        for (var index = 0; index < entries.Length; index++)
        {
            var entry = entries[index];
            if (entry == 0)
            {
                continue;
            }

            var at = page + (index * sizeof(ulong));
            var iova = baseIova + ((ulong)index * VtdFormat.CoverageOf(level));
            if (!VtdFormat.IsPresent(entry))
            {
                Problem(domain.Node, at, $"domain {domain.Id} level-{level} entry for IOVA 0x{iova:x} is not present but has bits 0x{entry:x} set");
                continue;
            }

            present++;
            if (VtdFormat.IsLeaf(entry, level))
            {
                CheckLeaf(domain, at, level, iova, entry, expected, matched);
                continue;
            }

            var child = (long)((entry & VtdFormat.AddressMask) - domain.PhysicalBase);
            if (entry != VtdFormat.TableEntry(entry & VtdFormat.AddressMask) || level == 1)
            {
                Problem(domain.Node, at, $"domain {domain.Id} level-{level} table entry 0x{entry:x} for IOVA 0x{iova:x} has bits a table entry never has");
            }
            else if ((entry & VtdFormat.AddressMask) < domain.PhysicalBase || !_pageOwners.TryGetValue(child, out var owner))
            {
                Problem(domain.Node, at, $"domain {domain.Id} level-{level} entry for IOVA 0x{iova:x} points to 0x{entry & VtdFormat.AddressMask:x}, not an IOMMU table page of the region");
            }
            else if (!ReferenceEquals(owner, domain.Node))
            {
                Problem(domain.Node, at, $"table page 0x{child:x} is shared by domain {domain.Id} and '{owner.Path}'");
            }
            else
            {
                Walk(domain, child, level - 1, iova, expected, matched);
            }
        }

        if (present == 0 && page != domain.TopTable)
        {
            Problem(domain.Node, page, $"domain {domain.Id}'s level-{level} table page 0x{page:x} is empty but was not freed");
        }
    }

    private void CheckLeaf(DmaDomain domain, long at, int level, ulong iova, ulong entry, Dictionary<ulong, (int Level, ulong Entry)> expected, HashSet<ulong> matched)
    {
        var physical = entry & VtdFormat.AddressMask;
        if (level > 3)
        {
            Problem(domain.Node, at, $"domain {domain.Id} has a page-size bit at level {level} (IOVA 0x{iova:x}); VT-d allows leaves at levels 1–3 only");
        }
        else if (expected.TryGetValue(iova, out var want) && want.Level == level)
        {
            if (entry == want.Entry)
            {
                matched.Add(iova);
            }
            else if ((entry & ~want.Entry & (VtdFormat.Read | VtdFormat.Write)) != 0)
            {
                Problem(domain.Node, at, $"domain {domain.Id} entry for IOVA 0x{iova:x} grants permissions 0x{entry & 3:x}, wider than its mapping allows (0x{want.Entry & 3:x})");
            }
            else
            {
                Problem(domain.Node, at, $"domain {domain.Id} entry for IOVA 0x{iova:x} is 0x{entry:x}; its mapping record implies 0x{want.Entry:x}");
            }
        }
        else if (physical < domain.PhysicalBase || physical - domain.PhysicalBase >= (ulong)_device.Size)
        {
            Problem(domain.Node, at, $"domain {domain.Id} entry for IOVA 0x{iova:x} points to 0x{physical:x}, outside the region");
        }
        else if (!IsInLiveFile((long)(physical - domain.PhysicalBase)))
        {
            Problem(domain.Node, at, $"domain {domain.Id} entry for IOVA 0x{iova:x} points to region offset 0x{physical - domain.PhysicalBase:x}, which no live file holds");
        }
        else
        {
            Problem(domain.Node, at, $"domain {domain.Id} maps IOVA 0x{iova:x} (level {level}) though no mapping record covers it");
        }
    }

    private void CheckRootAndContextTables()
    {
        var root = _state.RootTableNode;
        var busesInUse = _state.DeviceOwners.Keys.Select(d => d.Bus).ToHashSet();
        if (root is null)
        {
            if (busesInUse.Count > 0)
            {
                Problem(_state.Directory!, 0, "devices are attached but there is no root table");
            }

            return;
        }

        var rootPage = FirstPage(root);
        _reached.Add(rootPage);
        var rootWords = MemoryMarshal.Cast<byte, ulong>(_device.Span(rootPage, VtdFormat.PageSize));
        for (var bus = 0; bus < VtdFormat.TableEntries; bus++)
        {
            var low = rootWords[2 * bus];
            var high = rootWords[(2 * bus) + 1];
            var at = rootPage + (bus * 16);
            if (!busesInUse.Contains((byte)bus))
            {
                if (low != 0 || high != 0)
                {
                    Problem(root, at, $"root entry for bus {bus:x2} is 0x{high:x16}{low:x16} but no device on that bus is attached");
                }

                continue;
            }

            var context = (long)((low & VtdFormat.PointerMask) - _physicalBase);
            if (high != 0 || low != VtdFormat.RootEntry(low & VtdFormat.PointerMask) || (low & VtdFormat.PointerMask) < _physicalBase
                || !IsPageOf(root, context) || context == rootPage || !_reached.Add(context))
            {
                Problem(root, at, $"root entry for bus {bus:x2} (0x{high:x16}{low:x16}) does not point to a context table of its own");
                continue;
            }

            _state.ContextTables[(byte)bus] = context;
            CheckContextTable((byte)bus, context);
        }
    }

    private void CheckContextTable(byte bus, long page)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(_device.Span(page, VtdFormat.PageSize));
        for (var devfn = 0; devfn < VtdFormat.TableEntries; devfn++)
        {
            var address = new PciAddress(0, bus, (byte)(devfn >> 3), (byte)(devfn & 7));
            ulong wantLow = 0, wantHigh = 0;
            if (_state.DeviceOwners.TryGetValue(address, out var domain))
            {
                wantLow = VtdFormat.ContextEntryLow(domain.PhysicalBase + (ulong)domain.TopTable);
                wantHigh = VtdFormat.ContextEntryHigh(domain.AddressWidth, domain.Id);
            }

            if (words[2 * devfn] != wantLow || words[(2 * devfn) + 1] != wantHigh)
            {
                Problem(_state.RootTableNode!, page + (devfn * 16),
                    $"context entry of {address} is 0x{words[(2 * devfn) + 1]:x16}{words[2 * devfn]:x16}; its attachment implies 0x{wantHigh:x16}{wantLow:x16}");
            }
        }
    }

    private bool IsInLiveFile(long offset)
    {
        foreach (var node in _nodes.Values)
        {
            if (node.Kind == FileKind.GuestMemory && node.Extents.Any(e => offset >= e.RegionOffset && offset < e.End))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsPageOf(Node node, long page) => _pageOwners.TryGetValue(page, out var owner) && ReferenceEquals(owner, node);

    private static long FirstPage(Node node) => node.Extents.Count > 0 ? node.Extents[0].RegionOffset : 0;

    /// <summary>Every 4 KiB page an inode's extents hold.</summary>
    public static IEnumerable<long> PagesOf(Node node)
    {
        foreach (var extent in node.Extents)
        {
            for (var page = extent.RegionOffset; page < extent.End; page += VtdFormat.PageSize)
            {
                yield return page;
            }
        }
    }

    private void Problem(Node node, long offset, string message) => _problems.Add(new CheckProblem($"IOMMU table '{node.Path}'", offset, message));
}
