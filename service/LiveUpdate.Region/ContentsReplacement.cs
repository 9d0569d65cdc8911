using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region;

/// <summary>
/// A replacement of a DEVICE_STATE or BLOB file's contents in progress (<see cref="PersistentRegion.BeginContentsReplacement"/>):
/// the new bytes go into freshly allocated extents that no inode names, so a crash at any moment leaves the file as
/// it was (attach finds that space free). <see cref="Commit"/> swaps them in with one journal transaction; disposing
/// without committing gives the space back. Not thread-safe: one writer streams into it.
/// </summary>
public sealed class ContentsReplacement : IDisposable
{
    private readonly PersistentRegion _region;

    internal ContentsReplacement(PersistentRegion region, Node node, string path)
    {
        _region = region;
        Node = node;
        Path = path;
    }

    /// <summary>The file's path when the replacement began.</summary>
    public string Path { get; }

    /// <summary>Bytes appended so far: the file's size once committed.</summary>
    public long Length { get; internal set; }

    /// <summary>The inode being replaced.</summary>
    internal Node Node { get; }

    /// <summary>The new extents in file order (4 KiB granules); together at least <see cref="Length"/> bytes.</summary>
    internal List<ExtentRecord> Extents { get; } = [];

    /// <summary>Bytes the new extents hold.</summary>
    internal long Capacity { get; set; }

    /// <summary>Where the next byte goes: the extent index and the offset in it.</summary>
    internal (int Extent, long Offset) Cursor { get; set; }

    /// <summary>Open, committed, abandoned, or voided by a repair that reloaded the region.</summary>
    internal ReplacementState State { get; set; }

    /// <summary>Appends <paramref name="data"/> to the new contents (allocating region space as it grows; NoSpace when the region is full).</summary>
    public void Append(ReadOnlySpan<byte> data) => _region.AppendReplacement(this, data);

    /// <summary>
    /// Makes the appended bytes the file's contents and size in one journal transaction, then frees the old extents
    /// (scrubbed before anyone else gets them). Returns the file as it is now: same inode and instance id.
    /// </summary>
    public RegionFileInfo Commit() => _region.CommitReplacement(this);

    /// <summary>Abandons the replacement unless it was committed: the file is unchanged and the new extents are free again.</summary>
    public void Dispose() => _region.AbandonReplacement(this);
}

/// <summary>Where a <see cref="ContentsReplacement"/> is.</summary>
internal enum ReplacementState
{
    /// <summary>Accepting bytes.</summary>
    Open,
    /// <summary>Swapped in.</summary>
    Committed,
    /// <summary>Given up; its extents are free again.</summary>
    Abandoned,
    /// <summary>A repair reloaded the region's indexes from the metadata, which never named these extents.</summary>
    Voided,
}
