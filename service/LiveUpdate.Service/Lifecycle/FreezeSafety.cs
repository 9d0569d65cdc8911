using LiveUpdate.Service.Handout;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>
/// Freeze safety (docs/design.md §13): a freeze must not seal FROZEN while a process that the barrier does not pause
/// still holds guest memory. A live holder of a guest-memory descriptor is covered when it is the registered VMM of the
/// file's VM, or a descendant of that VMM (a VMM may hand its descriptor to a child it starts); any other blocks a freeze
/// without force. Access without a descriptor (a root QEMU opening the region by path) is invisible here: its supervisor
/// registers before it starts QEMU.
/// </summary>
internal sealed class FreezeSafety(DescriptorHolders holders, VmmRegistry vmms)
{
    /// <summary>How many holders a message names before it counts the rest.</summary>
    private const int NamedInMessage = 5;

    /// <summary>The live holders that neither a registered VMM of their file's VM nor one of its descendants is.</summary>
    public IReadOnlyList<DescriptorHolder> Uncovered() => [.. Holders().Where(h => !h.Covered).Select(h => h.Holder)];

    /// <summary>Every live holder, and whether the registered VMM of its file's VM (or a descendant of it) it is.</summary>
    public IReadOnlyList<(DescriptorHolder Holder, bool Covered)> Holders()
    {
        var live = holders.Live();
        if (live.Count == 0)
        {
            return [];
        }

        var vmmPids = vmms.Snapshot().Where(v => v.Connected).ToLookup(v => v.VmUuid, v => v.Caller.Pid);
        return [.. live.Select(holder =>
        {
            var pids = vmmPids[holder.VmUuid];
            return (holder, pids.Contains(holder.Pid) || ProcessAncestry.Of(holder.Pid).Any(pids.Contains));
        })];
    }

    /// <summary>One line naming <paramref name="uncovered"/>' pids, files and VMs (the first few, then how many more).</summary>
    public static string Describe(IReadOnlyList<DescriptorHolder> uncovered)
    {
        var named = string.Join("; ", uncovered.Take(NamedInMessage));
        var more = uncovered.Count > NamedInMessage ? $"; and {uncovered.Count - NamedInMessage} more" : string.Empty;
        return $"{named}{more}";
    }
}
