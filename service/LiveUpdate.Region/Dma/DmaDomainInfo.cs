namespace LiveUpdate.Region.Dma;

/// <summary>A snapshot of one IOMMU domain.</summary>
public sealed record DmaDomainInfo
{
    /// <summary>VT-d domain id.</summary>
    public required ushort Id { get; init; }
    /// <summary>Input address width in bits (39, 48, 57).</summary>
    public required int AddressWidth { get; init; }
    /// <summary>Second-level paging levels.</summary>
    public required int Levels { get; init; }
    /// <summary>Who created it.</summary>
    public required uint OwnerUid { get; init; }
    /// <summary>The VM whose devices use it, or empty.</summary>
    public required Guid VmUuid { get; init; }
    /// <summary>Attached devices.</summary>
    public required IReadOnlyList<PciAddress> Devices { get; init; }
    /// <summary>Number of mappings.</summary>
    public required int MappingCount { get; init; }
    /// <summary>Bytes mapped.</summary>
    public required long MappedBytes { get; init; }
    /// <summary>Second-level table pages (4 KiB) the domain holds.</summary>
    public required int TablePages { get; init; }
    /// <summary>Physical address of the domain's top-level table (a context entry's SLPTPTR).</summary>
    public required ulong TopTablePhysical { get; init; }
    /// <summary>Physical address of the root table a walk starts from (0 until a device is attached).</summary>
    public required ulong RootTablePhysical { get; init; }
    /// <summary>The domain's IOMMU_PGTABLE inode.</summary>
    public required string Path { get; init; }
    /// <summary>Creation time (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}
