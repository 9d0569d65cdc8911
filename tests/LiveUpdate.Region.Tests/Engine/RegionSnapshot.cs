namespace LiveUpdate.Region.Tests.Engine;

/// <summary>
/// Everything a caller can observe of a region: the whole tree (every file and directory with kind, size,
/// ownership, generation, times and extents), <see cref="PersistentRegion.ListAllFiles"/>, the statistics and
/// the info. Two snapshots are equal when nothing observable changed.
/// </summary>
public sealed record RegionSnapshot(string Tree, string Files, RegionStatistics Statistics, RegionInfo Info, string Dma)
{
    public static RegionSnapshot Take(PersistentRegion region)
    {
        var tree = new List<string> { Describe(region.Stat("/")) };
        var pending = new Stack<string>();
        pending.Push("/");
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in region.List(directory))
            {
                tree.Add(Describe(entry));
                if (entry.Kind == FileKind.Directory)
                {
                    pending.Push(entry.Path);
                }
            }
        }

        tree.Sort(StringComparer.Ordinal);
        return new RegionSnapshot(
            string.Join('\n', tree),
            string.Join('\n', region.ListAllFiles().Select(Describe)),
            region.GetStatistics(),
            region.Info,
            string.Join('\n', region.Dma.ListDomains().SelectMany(d => region.Dma.ListMappings(d.Id).Select(m => m.ToString()).Prepend(
                $"domain {d.Id} w={d.AddressWidth} uid={d.OwnerUid} vm={d.VmUuid} maps={d.MappingCount} bytes={d.MappedBytes} pages={d.TablePages} " +
                $"top={d.TopTablePhysical:x} root={d.RootTablePhysical:x} devices={string.Join(',', d.Devices)}"))));
    }

    /// <summary>Asserts nothing observable differs, naming the lines and fields that do.</summary>
    public static void AssertSame(RegionSnapshot expected, RegionSnapshot actual)
    {
        if (expected == actual)
        {
            return;
        }

        var differences = new List<string>();
        foreach (var (name, before, after) in new[] { ("tree", expected.Tree, actual.Tree), ("files", expected.Files, actual.Files), ("dma", expected.Dma, actual.Dma) })
        {
            var beforeLines = before.Split('\n');
            var afterLines = after.Split('\n');
            differences.AddRange(beforeLines.Except(afterLines).Select(line => $"{name} lost:   {line}"));
            differences.AddRange(afterLines.Except(beforeLines).Select(line => $"{name} gained: {line}"));
        }

        if (expected.Statistics != actual.Statistics)
        {
            differences.Add($"statistics were {expected.Statistics}, are {actual.Statistics}");
        }

        if (expected.Info != actual.Info)
        {
            differences.Add($"info was {expected.Info}, is {actual.Info}");
        }

        Assert.Fail("the region changed:\n" + string.Join('\n', differences));
    }

    /// <summary>One line per inode with every field of <see cref="RegionFileInfo"/>.</summary>
    public static string Describe(RegionFileInfo info) =>
        $"{info.Path} #{info.Inode} {info.Kind} size={info.Size} alloc={info.AllocatedBytes} vm={info.VmUuid} uid={info.OwnerUid} " +
        $"mode={info.Mode:x} gen={info.Generation} dma={info.DmaMappedBytes} created={info.CreatedAt.ToUnixTimeMilliseconds()} modified={info.ModifiedAt.ToUnixTimeMilliseconds()} " +
        $"extents=[{string.Join(' ', info.Extents.Select(e => $"{e.FileOffset:x}@{e.RegionOffset:x}+{e.Length:x}"))}]";
}
