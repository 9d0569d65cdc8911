namespace LiveUpdate.Region;

/// <summary>Space and inode usage of an attached region. <see cref="UsedBytes"/> + <see cref="FreeBytes"/> = <see cref="TotalBytes"/>.</summary>
public sealed record RegionStatistics
{
    /// <summary>Region size.</summary>
    public required long TotalBytes { get; init; }
    /// <summary>Bytes owned by files and metadata.</summary>
    public required long UsedBytes { get; init; }
    /// <summary>Bytes free.</summary>
    public required long FreeBytes { get; init; }
    /// <summary>Bytes owned by files on the device (rounded to granules).</summary>
    public required long FileBytes { get; init; }
    /// <summary>
    /// Namespaces backend: bytes of guest memory in namespaces of their own, outside the device (not part of
    /// <see cref="TotalBytes"/>); 0 on the other backends.
    /// </summary>
    public long NamespaceFileBytes { get; init; }
    /// <summary>Bytes of metadata: the header area, inode chunks and extent blocks.</summary>
    public required long MetadataBytes { get; init; }
    /// <summary>Free bytes in whole 2 MiB granules (what guest memory can use).</summary>
    public required long LargeFreeBytes { get; init; }
    /// <summary>Free bytes in granules lent to small files.</summary>
    public required long SmallFreeBytes { get; init; }
    /// <summary>Largest contiguous free run of whole granules.</summary>
    public required long LargestFreeExtent { get; init; }
    /// <summary>Number of separate free runs (large, small).</summary>
    public required int FreeRanges { get; init; }
    /// <summary>Regular files.</summary>
    public required long Files { get; init; }
    /// <summary>Directories, including the root.</summary>
    public required long Directories { get; init; }
    /// <summary>Inode slots in existing chunks.</summary>
    public required long InodeSlots { get; init; }
    /// <summary>Most inodes the format can address.</summary>
    public required long InodeLimit { get; init; }
    /// <summary>Journal transactions committed since attach.</summary>
    public required long TransactionsSinceAttach { get; init; }
}
