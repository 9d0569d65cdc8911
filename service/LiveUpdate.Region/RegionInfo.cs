using LiveUpdate.Region.Devices;

namespace LiveUpdate.Region;

/// <summary>Facts about an attached region, from its superblock and device.</summary>
public sealed record RegionInfo
{
    /// <summary>Backend kind.</summary>
    public required RegionBackend Backend { get; init; }
    /// <summary>Device or file path.</summary>
    public required string Path { get; init; }
    /// <summary>Region size in bytes.</summary>
    public required long Size { get; init; }
    /// <summary>Granule of small files (4 KiB).</summary>
    public required int SmallGranule { get; init; }
    /// <summary>Granule of guest memory (2 MiB).</summary>
    public required long LargeGranule { get; init; }
    /// <summary>Physical address of region offset 0.</summary>
    public required ulong PhysicalBase { get; init; }
    /// <summary>True when <see cref="PhysicalBase"/> is a configured stand-in (file backend).</summary>
    public required bool PhysicalBaseSimulated { get; init; }
    /// <summary>On-region format version.</summary>
    public required uint FormatVersion { get; init; }
    /// <summary>The region's identity, fixed at format.</summary>
    public required Guid RegionUuid { get; init; }
    /// <summary>Lifecycle state.</summary>
    public required LifecycleState State { get; init; }
    /// <summary>Lifecycle generation, bumped on every state or boot transition.</summary>
    public required long Generation { get; init; }
    /// <summary>Boot id recorded by the last <see cref="PersistentRegion.RecordBoot"/>.</summary>
    public required Guid BootId { get; init; }
    /// <summary>The boot id recorded before that one.</summary>
    public required Guid PreviousBootId { get; init; }
    /// <summary>When the region was formatted.</summary>
    public required DateTimeOffset FormattedAt { get; init; }
    /// <summary>Why the region is (or was last) reconciled.</summary>
    public required ReconcileCause ReconcileCause { get; init; }

    /// <summary>When <see cref="State"/> last changed, or null when never recorded.</summary>
    public required DateTimeOffset? StateChangedAt { get; init; }

    /// <summary>How many times the region has been attached.</summary>
    public required long AttachCount { get; init; }
}
