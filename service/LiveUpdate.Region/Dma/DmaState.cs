using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region.Dma;

/// <summary>
/// Everything the engine knows about IOMMU structures, rebuilt from the region at attach: the <c>/.iommu</c>
/// directory, the root-table inode (page 0 the root table, the rest context tables), and the domains.
/// </summary>
internal sealed class DmaState
{
    /// <summary>Name of the directory under the root that holds the IOMMU_PGTABLE inodes.</summary>
    public const string DirectoryName = ".iommu";

    /// <summary>Name of the inode holding the root table and the context tables.</summary>
    public const string RootTableName = "root-table";

    /// <summary>Prefix of a domain inode's name; the decimal domain id follows.</summary>
    public const string DomainPrefix = "domain-";

    /// <summary>The <c>/.iommu</c> directory, once created.</summary>
    public Node? Directory { get; set; }

    /// <summary>The root-table inode, once a device was attached.</summary>
    public Node? RootTableNode { get; set; }

    /// <summary>Region offset of the root table, or 0.</summary>
    public long RootTable => RootTableNode is null ? 0 : RootTableNode.Extents[0].RegionOffset;

    /// <summary>Context tables by bus.</summary>
    public Dictionary<byte, long> ContextTables { get; } = [];

    /// <summary>Domains by id.</summary>
    public SortedDictionary<ushort, DmaDomain> Domains { get; } = [];

    /// <summary>Which domain each attached device is in.</summary>
    public Dictionary<PciAddress, DmaDomain> DeviceOwners { get; } = [];

    /// <summary>The mappings that pin each file, by file inode.</summary>
    public Dictionary<ulong, List<(DmaDomain Domain, DmaMapping Mapping)>> Pins { get; } = [];

    /// <summary>Name of a domain's inode.</summary>
    public static string DomainName(ushort id) => DomainPrefix + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Records that <paramref name="mapping"/> pins its file.</summary>
    public void Pin(DmaDomain domain, DmaMapping mapping)
    {
        if (!Pins.TryGetValue(mapping.FileInode, out var list))
        {
            Pins[mapping.FileInode] = list = [];
        }

        list.Add((domain, mapping));
    }

    /// <summary>Forgets <paramref name="mapping"/>'s pin.</summary>
    public void Unpin(DmaMapping mapping)
    {
        if (Pins.TryGetValue(mapping.FileInode, out var list))
        {
            list.RemoveAll(p => ReferenceEquals(p.Mapping, mapping));
            if (list.Count == 0)
            {
                Pins.Remove(mapping.FileInode);
            }
        }
    }

    /// <summary>Bytes of the file that DMA mappings point into (overlaps counted once).</summary>
    public long MappedBytesOf(ulong inode)
    {
        if (!Pins.TryGetValue(inode, out var list))
        {
            return 0;
        }

        long total = 0, coveredTo = long.MinValue;
        foreach (var (_, mapping) in list.OrderBy(p => p.Mapping.FileOffset))
        {
            var start = Math.Max(mapping.FileOffset, coveredTo);
            var end = mapping.FileOffset + mapping.Length;
            if (end > start)
            {
                total += end - start;
                coveredTo = end;
            }
        }

        return total;
    }
}
