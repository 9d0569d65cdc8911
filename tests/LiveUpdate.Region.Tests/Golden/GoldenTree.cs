namespace LiveUpdate.Region.Tests.Golden;

/// <summary>
/// What attaching a golden image must show: region facts, every inode, and (from format 2) one line per IOMMU
/// domain and mapping, as kept in region-vN.expected.json.
/// </summary>
public sealed record GoldenTree(uint FormatVersion, Guid RegionUuid, long RegionSize, long FormattedAtUnixMs, IReadOnlyList<GoldenEntry> Entries,
    IReadOnlyList<string>? Dma = null);

/// <summary>
/// One inode of a golden image; <see cref="DataSha256"/> is the SHA-256 of its first <see cref="Size"/> bytes (files only).
/// <see cref="InstanceId"/> is kept from format 3 (null in older images, whose upgrade draws random ones).
/// </summary>
public sealed record GoldenEntry(
    string Path, FileKind Kind, long Size, long AllocatedBytes, long Inode, long Generation, Guid VmUuid, uint OwnerUid, string Mode,
    long CreatedAtUnixMs, long ModifiedAtUnixMs, IReadOnlyList<GoldenExtent> Extents, string? DataSha256, Guid? InstanceId = null);

/// <summary>An extent: where a run of the file lies in the region.</summary>
public sealed record GoldenExtent(long FileOffset, long RegionOffset, long Length);
