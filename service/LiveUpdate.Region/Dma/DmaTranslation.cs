namespace LiveUpdate.Region.Dma;

/// <summary>The result of walking the tables for one IOVA, as the hardware would.</summary>
public sealed record DmaTranslation
{
    /// <summary>The domain whose tables were walked.</summary>
    public required ushort DomainId { get; init; }
    /// <summary>The IOVA translated.</summary>
    public required ulong Iova { get; init; }
    /// <summary>Physical address the IOVA reaches.</summary>
    public required ulong PhysicalAddress { get; init; }
    /// <summary>The same as a region offset.</summary>
    public required long RegionOffset { get; init; }
    /// <summary>Size of the leaf page: 4 KiB, 2 MiB or 1 GiB.</summary>
    public required long PageSize { get; init; }
    /// <summary>The leaf grants read.</summary>
    public required bool Readable { get; init; }
    /// <summary>The leaf grants write.</summary>
    public required bool Writable { get; init; }
    /// <summary>Entries read on the way (root and context entries included when walking from a device).</summary>
    public required int EntriesRead { get; init; }
    /// <summary>The file the address is in, when a mapping record names it.</summary>
    public string? Path { get; init; }
    /// <summary>Offset in <see cref="Path"/>.</summary>
    public long FileOffset { get; init; }
}
