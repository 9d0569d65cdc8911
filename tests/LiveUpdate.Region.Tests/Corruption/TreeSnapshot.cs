namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>Every inode of an attached region, root first then depth-first in name order.</summary>
internal static class TreeSnapshot
{
    public static IReadOnlyList<TreeEntry> Of(PersistentRegion region)
    {
        var entries = new List<TreeEntry> { TreeEntry.Of(region.Stat("/")) };
        Walk(region, "/", entries);
        return entries;
    }

    /// <summary>The entries of <paramref name="after"/> that differ from <paramref name="before"/>, for failure messages.</summary>
    public static string Diff(IReadOnlyList<TreeEntry> before, IReadOnlyList<TreeEntry> after) =>
        "missing: " + string.Join("; ", before.Except(after).Take(5)) + " | unexpected: " + string.Join("; ", after.Except(before).Take(5));

    private static void Walk(PersistentRegion region, string directory, List<TreeEntry> entries)
    {
        foreach (var entry in region.List(directory))
        {
            entries.Add(TreeEntry.Of(entry));
            if (entry.Kind == FileKind.Directory)
            {
                Walk(region, entry.Path, entries);
            }
        }
    }
}
