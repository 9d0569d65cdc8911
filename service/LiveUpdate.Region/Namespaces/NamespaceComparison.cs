using LiveUpdate.Region.Checking;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region.Namespaces;

/// <summary>
/// What check finds between the files and the namespaces (docs/design.md §3): a namespace-backed file whose namespace is
/// missing, or is not where its extent says; a <c>lu-*</c> namespace no file names (an orphan). Shared by the check of
/// an attached region and the offline check.
/// </summary>
internal static class NamespaceComparison
{
    /// <summary>Region offset of a namespace's first byte: its physical start minus the metadata device's.</summary>
    public static long RegionOffsetOf(NamespaceInfo space, ulong physicalBase) => (long)(space.PhysicalStart - physicalBase);

    /// <summary>What is wrong between a namespace-backed file and the namespaces, or null.</summary>
    public static CheckProblem? Problem(Node node, long slotOffset, Dictionary<string, NamespaceInfo> byName, ulong physicalBase)
    {
        var name = NamespaceNames.ForFile(node.InstanceId);
        var extent = node.Extents[0];
        var where = $"inode {node.Number}";
        if (!byName.TryGetValue(name, out var space))
        {
            return new CheckProblem(where, slotOffset, $"'{node.Path}' is backed by namespace {name}, which does not exist: its memory is gone (remove the file)");
        }

        var offset = RegionOffsetOf(space, physicalBase);
        return offset != extent.RegionOffset || space.Size < extent.Length
            ? new CheckProblem(where, slotOffset,
                $"'{node.Path}' records namespace {name} at region offset 0x{extent.RegionOffset:x} (+0x{extent.Length:x}); " +
                $"the namespace is at 0x{offset:x} with 0x{space.Size:x} bytes")
            : null;
    }

    /// <summary>The <c>lu-*</c> namespaces of <paramref name="spaces"/> that no node of <paramref name="nodes"/> names.</summary>
    public static List<NamespaceInfo> Orphans(IEnumerable<Node> nodes, IReadOnlyList<NamespaceInfo> spaces)
    {
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (node.NamespaceBacked)
            {
                named.Add(NamespaceNames.ForFile(node.InstanceId));
            }
        }

        return [.. spaces.Where(space => NamespaceNames.IsFileNamespace(space.Name) && !named.Contains(space.Name))];
    }

    /// <summary>
    /// Adds every mismatch and orphan to <paramref name="problems"/>; with <paramref name="repair"/> scrubs and destroys
    /// the orphans (a file whose namespace is gone is never repaired by guessing).
    /// </summary>
    public static void Compare(INamespaceDirectory directory, IEnumerable<Node> nodes, Func<ulong, long> slotOffset, ulong physicalBase, bool repair,
        List<CheckProblem> problems)
    {
        var spaces = directory.List();
        var byName = spaces.ToDictionary(space => space.Name, StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (node.NamespaceBacked && Problem(node, slotOffset(node.Number), byName, physicalBase) is { } problem)
            {
                problems.Add(problem);
            }
        }

        foreach (var orphan in Orphans(nodes, spaces))
        {
            var problem = new CheckProblem($"namespace {orphan.Name}", RegionOffsetOf(orphan, physicalBase),
                $"no file names it ({orphan.Size} bytes on {(orphan.DevicePath.Length == 0 ? "no device" : orphan.DevicePath)}): left by a crash between its creation and its file's commit, or a removal's commit and its destruction");
            if (repair)
            {
                directory.Destroy(orphan);
                problem.Repaired = true;
                problem.RepairNote = "scrubbed and destroyed";
            }

            problems.Add(problem);
        }
    }
}
