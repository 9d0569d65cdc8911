using System.Globalization;

namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>One inode as Stat and List show it: what "the tree is intact" compares, field by field.</summary>
public readonly record struct TreeEntry(
    string Path, FileKind Kind, long Size, long Allocated, long Inode, long Generation, Guid VmUuid, uint OwnerUid, uint Mode,
    long CreatedUnixMs, long ModifiedUnixMs, string Extents)
{
    public static TreeEntry Of(RegionFileInfo info) => new(
        info.Path, info.Kind, info.Size, info.AllocatedBytes, info.Inode, info.Generation, info.VmUuid, info.OwnerUid, info.Mode,
        info.CreatedAt.ToUnixTimeMilliseconds(), info.ModifiedAt.ToUnixTimeMilliseconds(),
        info.Extents.Count == 0 ? string.Empty
            : string.Join(',', info.Extents.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.FileOffset:x}:{e.RegionOffset:x}+{e.Length:x}"))));

    /// <summary>The entry without what a move to /lost+found changes (path and generation).</summary>
    public TreeEntry WithoutPlace() => this with { Path = string.Empty, Generation = 0 };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Path}|{Kind}|{Size}|{Allocated}|ino {Inode}|gen {Generation}|vm {VmUuid}|uid {OwnerUid}|mode {Convert.ToString(Mode, 8)}|{CreatedUnixMs}|{ModifiedUnixMs}|{Extents}");
}
