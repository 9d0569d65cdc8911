using System.Text;
using LiveUpdate.Protocol.V1;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// Everything a client can see of a region: GetRegion, and every file and directory found by a recursive List, each
/// as Stat describes it (path, inode, kind, size, owner, mode, times, generation, extents). The daemon has no Check RPC
/// yet (it comes with the Lifecycle service): comparing two trees is how tests see that a rejected request changed
/// nothing.
/// </summary>
internal sealed record RegionTree(RegionInfo Region, IReadOnlyList<FileInfo> Entries)
{
    /// <summary>Walks the region from "/" in list order; also checks that List and Stat agree on every entry.</summary>
    public static async Task<RegionTree> CaptureAsync(Files.FilesClient files, CancellationToken cancellationToken = default)
    {
        var region = await files.GetRegionAsync(new GetRegionRequest(), cancellationToken: cancellationToken);
        var entries = new List<FileInfo>();
        var pending = new Stack<string>();
        pending.Push("/");
        while (pending.TryPop(out var directory))
        {
            var listed = await files.ListAsync(new ListRequest { Path = directory }, cancellationToken: cancellationToken);
            foreach (var entry in listed.Entries)
            {
                var stat = await files.StatAsync(new StatRequest { Path = entry.Path }, cancellationToken: cancellationToken);
                Assert.Equal(entry, stat);
                entries.Add(stat);
                if (stat.Kind == FileKind.Directory)
                {
                    pending.Push(stat.Path);
                }
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return new RegionTree(region, entries);
    }

    /// <summary>Paths of all entries.</summary>
    public IEnumerable<string> Paths => Entries.Select(e => e.Path);

    /// <summary>Asserts that <paramref name="after"/> is this tree exactly (region facts and every entry), naming the first difference.</summary>
    public void AssertUnchanged(RegionTree after, string because)
    {
        Assert.True(Region.Equals(after.Region), $"{because}: GetRegion changed\nbefore: {Region}\nafter:  {after.Region}");
        var difference = new StringBuilder();
        var before = Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var now = after.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        foreach (var path in before.Keys.Union(now.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            before.TryGetValue(path, out var was);
            now.TryGetValue(path, out var @is);
            if (!Equals(was, @is))
            {
                difference.AppendLine($"{path}:\n  before: {was?.ToString() ?? "(absent)"}\n  after:  {@is?.ToString() ?? "(absent)"}");
            }
        }

        Assert.True(difference.Length == 0, $"{because}: the tree changed\n{difference}");
    }

    /// <summary>
    /// Asserts the space accounting and the extent maps: used + free = size, used = metadata + the files' allocated bytes,
    /// each file's extents tile [0, allocated) in file order, and no region byte belongs to two files.
    /// </summary>
    public void AssertSpaceConsistent()
    {
        Assert.Equal(Region.SizeBytes, Region.UsedBytes + Region.FreeBytes);
        var files = Entries.Where(e => e.Kind != FileKind.Directory).ToList();
        Assert.Equal(Region.UsedBytes, Region.MetadataBytes + (ulong)files.Sum(f => (decimal)f.AllocatedBytes));
        Assert.Equal(Region.FileCount, (ulong)files.Count);
        Assert.Equal(Region.DirectoryCount, (ulong)(Entries.Count - files.Count + 1)); // + the root

        var owned = new List<(ulong Start, ulong End, string Path)>();
        foreach (var file in files)
        {
            ulong next = 0;
            foreach (var extent in file.Extents)
            {
                Assert.True(extent.FileOffset == next, $"{file.Path}: extents do not tile the file: {file.Extents}");
                next += extent.Length;
                owned.Add((extent.RegionOffset, extent.RegionOffset + extent.Length, file.Path));
            }

            Assert.True(next == file.AllocatedBytes, $"{file.Path}: extents cover {next} bytes, allocated_bytes is {file.AllocatedBytes}");
            Assert.True(file.SizeBytes <= file.AllocatedBytes, $"{file.Path}: size {file.SizeBytes} > allocated {file.AllocatedBytes}");
        }

        owned.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (var i = 1; i < owned.Count; i++)
        {
            Assert.True(owned[i - 1].End <= owned[i].Start,
                $"region bytes [{owned[i].Start}, {owned[i - 1].End}) belong to both {owned[i - 1].Path} and {owned[i].Path}");
        }

        Assert.True(owned.Count == 0 || owned[^1].End <= Region.SizeBytes, "an extent runs past the region's end");
        Assert.Equal(Entries.Count, Entries.Select(e => e.Inode).Distinct().Count());
    }
}
