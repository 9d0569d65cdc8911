namespace LiveUpdate.Region;

/// <summary>A snapshot of one inode.</summary>
public sealed record RegionFileInfo
{
    /// <summary>Absolute path, '/'-separated.</summary>
    public required string Path { get; init; }
    /// <summary>Inode number (stable for the file's life).</summary>
    public required long Inode { get; init; }
    /// <summary>What the file holds.</summary>
    public required FileKind Kind { get; init; }
    /// <summary>Logical size in bytes.</summary>
    public required long Size { get; init; }
    /// <summary>Bytes of region space the file holds (size rounded up to its granule).</summary>
    public required long AllocatedBytes { get; init; }
    /// <summary>The VM the file belongs to, or <see cref="Guid.Empty"/>.</summary>
    public required Guid VmUuid { get; init; }
    /// <summary>Random when the file was created, never changed (not by resize, rename or a contents replacement).</summary>
    public required Guid InstanceId { get; init; }
    /// <summary>Owner uid.</summary>
    public required uint OwnerUid { get; init; }
    /// <summary>Permission bits.</summary>
    public required uint Mode { get; init; }
    /// <summary>Creation time (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>Last change time (UTC).</summary>
    public required DateTimeOffset ModifiedAt { get; init; }
    /// <summary>Bumped on every change of this inode; a reused inode number never repeats a generation.</summary>
    public required long Generation { get; init; }
    /// <summary>Bytes of the file that DMA mappings point into; such extents are pinned.</summary>
    public long DmaMappedBytes { get; init; }
    /// <summary>
    /// The file's own namespace on the namespaces backend (its device is what a VMM opens or is handed); null on the other
    /// backends, for kinds kept in the metadata, and for a file whose namespace is missing.
    /// </summary>
    public Namespaces.NamespaceInfo? Namespace { get; init; }
    /// <summary>The file's extents in file order.</summary>
    public required IReadOnlyList<Extent> Extents { get; init; }
}
