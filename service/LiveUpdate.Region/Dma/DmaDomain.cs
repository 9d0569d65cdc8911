using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region.Dma;

/// <summary>
/// The in-memory image of one IOMMU domain. Its inode's pages are, in order of the inode's extents: the domain
/// page (<see cref="DmaDomainRecord"/>, always first), then table pages and mapping blocks in allocation order.
/// </summary>
internal sealed class DmaDomain
{
    /// <summary>VT-d domain id (1–65535).</summary>
    public required ushort Id { get; init; }

    /// <summary>Input address width: 39, 48 or 57 bits.</summary>
    public required int AddressWidth { get; init; }

    /// <summary>Second-level paging levels (3, 4 or 5).</summary>
    public int Levels => VtdFormat.LevelsFor(AddressWidth);

    /// <summary>Who created it; only they (or an admin) change it.</summary>
    public required uint OwnerUid { get; init; }

    /// <summary>The VM whose devices use it, or empty.</summary>
    public required Guid VmUuid { get; init; }

    /// <summary>Creation time, unix ms.</summary>
    public required long CreatedUnixMs { get; init; }

    /// <summary>The IOMMU_PGTABLE inode holding its pages.</summary>
    public required Node Node { get; init; }

    /// <summary>Region offset of the top-level second-level table (never freed while the domain lives).</summary>
    public required long TopTable { get; init; }

    /// <summary>Region offset of the domain page.</summary>
    public long DomainPage => Node.Extents[0].RegionOffset;

    /// <summary>Physical base the table entries were computed with.</summary>
    public required ulong PhysicalBase { get; set; }

    /// <summary>Attached devices, in attach order.</summary>
    public List<PciAddress> Devices { get; set; } = [];

    /// <summary>Mapping blocks in chain order.</summary>
    public List<long> MappingBlocks { get; set; } = [];

    /// <summary>Mappings in record order (dense).</summary>
    public List<DmaMapping> Records { get; set; } = [];

    /// <summary>Mappings in IOVA order.</summary>
    public List<DmaMapping> ByIova { get; set; } = [];

    /// <summary>Bytes mapped.</summary>
    public long MappedBytes
    {
        get
        {
            long total = 0;
            foreach (var mapping in Records)
            {
                total += mapping.Length;
            }

            return total;
        }
    }

    /// <summary>One past the highest IOVA the address width allows.</summary>
    public ulong IovaLimit => 1UL << AddressWidth;

    /// <summary>The domain page's contents with <paramref name="mappingBlocks"/> and <paramref name="devices"/>.</summary>
    public DmaDomainRecord.Contents ToContents(List<long> mappingBlocks, List<PciAddress> devices) => new(Id, AddressWidth, Levels, OwnerUid, VmUuid,
        TopTable, mappingBlocks.Count > 0 ? mappingBlocks[0] : 0, PhysicalBase, CreatedUnixMs, devices.Select(d => d.Packed).ToArray());

    /// <summary>Index in <see cref="ByIova"/> of the first mapping whose end is above <paramref name="iova"/>.</summary>
    public int FirstEndingAfter(ulong iova)
    {
        int low = 0, high = ByIova.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (ByIova[middle].End <= iova)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>The mappings that intersect [<paramref name="iova"/>, <paramref name="end"/>), in IOVA order.</summary>
    public List<DmaMapping> Intersecting(ulong iova, ulong end)
    {
        var found = new List<DmaMapping>();
        for (var i = FirstEndingAfter(iova); i < ByIova.Count && ByIova[i].Iova < end; i++)
        {
            found.Add(ByIova[i]);
        }

        return found;
    }
}
