namespace LiveUpdate.Region.Dma;

/// <summary>One DMA mapping, as replayed through iommufd/VFIO after a kexec.</summary>
public sealed record DmaMappingInfo
{
    /// <summary>The domain.</summary>
    public required ushort DomainId { get; init; }
    /// <summary>First mapped IOVA.</summary>
    public required ulong Iova { get; init; }
    /// <summary>Bytes mapped.</summary>
    public required long Length { get; init; }
    /// <summary>Path of the guest-memory file.</summary>
    public required string Path { get; init; }
    /// <summary>File offset the IOVA translates to.</summary>
    public required long FileOffset { get; init; }
    /// <summary>The device may read.</summary>
    public required bool Readable { get; init; }
    /// <summary>The device may write.</summary>
    public required bool Writable { get; init; }
    /// <summary>Leaves used: 4 KiB pages.</summary>
    public required int Pages4K { get; init; }
    /// <summary>Leaves used: 2 MiB pages.</summary>
    public required int Pages2M { get; init; }
    /// <summary>Leaves used: 1 GiB pages.</summary>
    public required int Pages1G { get; init; }
}
