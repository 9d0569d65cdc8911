using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region;

/// <summary>
/// Reads the contents of a DEVICE_STATE or BLOB file as they were when <see cref="PersistentRegion.OpenContentsReader"/>
/// was called. Each <see cref="Read"/> copies under the region's lock and first checks that the file still has those
/// contents; if they were replaced, resized or removed since, it throws <see cref="RegionError.Conflict"/> rather than
/// return a mix of old and new bytes.
/// </summary>
public sealed class ContentsReader
{
    private readonly PersistentRegion _region;

    internal ContentsReader(PersistentRegion region, Node node)
    {
        _region = region;
        Node = node;
        Extents = node.Extents;
        Size = node.Size;
        File = node.ToInfo();
    }

    /// <summary>The file as it was when the reader was opened.</summary>
    public RegionFileInfo File { get; }

    /// <summary>Bytes of contents.</summary>
    public long Size { get; }

    /// <summary>The inode read.</summary>
    internal Node Node { get; }

    /// <summary>The extent list the contents live in (the engine replaces the list object on every change of it).</summary>
    internal List<ExtentRecord> Extents { get; }

    /// <summary>Copies file bytes from <paramref name="offset"/> into <paramref name="destination"/>; returns the count (0 at the end).</summary>
    public int Read(long offset, Span<byte> destination) => _region.ReadContents(this, offset, destination);
}
