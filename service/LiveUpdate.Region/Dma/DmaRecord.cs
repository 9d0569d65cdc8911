using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region.Dma;

/// <summary>
/// The region's IOMMU domains (<see cref="PersistentRegion.Dma"/>): VT-d tables and the replay record of every DMA
/// mapping, kept in IOMMU_PGTABLE inodes under <c>/.iommu</c>. Each operation is one region transaction
/// (<see cref="RegionTransaction"/>): table pages it allocates are written in place before the commit (nothing
/// committed reaches them yet), and the words it changes in existing pages, the mapping blocks, the domain page and
/// the inode go through the journal. Pages it frees are released only after the commit and a checkpoint, so no
/// replayable record can write them once they hold other data. Members are thread-safe: they take the region's lock.
/// </summary>
public sealed partial class DmaRecord
{
    private const long TablePage = VtdFormat.PageSize;
    private readonly PersistentRegion _region;
    private DmaState _state = new();

    internal DmaRecord(PersistentRegion region) => _region = region;

    /// <summary>What the engine knows about the IOMMU structures (the check compares it with the region).</summary>
    internal DmaState State => _state;

    /// <summary>Takes the IOMMU structures a clean scan found, with the pins they put on files.</summary>
    internal void Load(DmaState state)
    {
        _state = state;
        foreach (var inode in state.Pins.Keys)
        {
            RefreshMappedBytes(inode);
        }
    }

    /// <summary>Refuses to free file space a DMA mapping points to: a file shrunk below <paramref name="keepBytes"/>, or removed (0).</summary>
    internal void ThrowIfPinned(Node node, long keepBytes, string action)
    {
        if (!_state.Pins.TryGetValue(node.Number, out var pins))
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

    /// <summary>Refuses Files operations on the Dma service's directory and everything in it.</summary>
    internal void ThrowIfManaged(Node node, string path)
    {
        if (_state.Directory is not null && (ReferenceEquals(node, _state.Directory) || ReferenceEquals(node.Parent, _state.Directory)))
        {
            throw new RegionException(RegionError.FailedPrecondition, $"'{path}' is managed by the Dma service; use the Dma calls (DestroyDomain, Unmap)");
        }
    }

    /// <summary>Refuses to create or rename to a name the Dma service keeps for its IOMMU tables.</summary>
    internal void ThrowIfReservedName(Node parent, string name, string path)
    {
        if ((ReferenceEquals(parent, _region.Root) && name == DmaState.DirectoryName) || (_state.Directory is not null && ReferenceEquals(parent, _state.Directory)))
        {
            throw new RegionException(RegionError.FailedPrecondition, $"'{path}' is reserved for the Dma service's IOMMU tables");
        }
    }

    private void RefreshMappedBytes(ulong inode)
    {
        if (_region.Nodes.TryGetValue(inode, out var node))
        {
            node.DmaMappedBytes = _state.MappedBytesOf(inode);
        }
    }

    private DmaDomain RequireDomain(ushort domainId) =>
        _state.Domains.TryGetValue(domainId, out var domain)
            ? domain
            : throw new RegionException(RegionError.NotFound, $"domain {domainId} does not exist");

    private static void ValidateRange(ulong iova, long length)
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
}
