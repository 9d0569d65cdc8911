namespace LiveUpdate.Deploy.Tests.Support;

/// <summary>
/// The system calls a unit's SystemCallFilter= lines allow, worked out as systemd does (first line an allow list; later
/// lines add, or with ~ remove), with the groups as this host's <c>systemd-analyze syscall-filter</c> defines them.
/// </summary>
internal static class SyscallFilter
{
    /// <summary>The allowed system calls of <paramref name="unitText"/>.</summary>
    public static async Task<SortedSet<string>> AllowedAsync(string unitText)
    {
        var listing = await Command.RunAsync("/usr/bin/systemd-analyze", "syscall-filter", "--no-pager");
        Assert.True(listing.ExitCode == 0, listing.Output);
        var groups = ParseGroups(listing.Stdout);
        var lines = UnitValues(unitText, "SystemCallFilter");
        Assert.NotEmpty(lines);
        Assert.False(lines[0].StartsWith('~'), "the unit's first SystemCallFilter= should be an allow list");
        var allowed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var deny = line.StartsWith('~');
            foreach (var item in line.TrimStart('~').Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var names = Expand(item, groups);
                if (deny)
                {
                    allowed.ExceptWith(names);
                }
                else
                {
                    allowed.UnionWith(names);
                }
            }
        }

        return allowed;
    }

    /// <summary>Every value of <paramref name="key"/> in the unit, in order.</summary>
    public static List<string> UnitValues(string unitText, string key) =>
        unitText.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith(key + "=", StringComparison.Ordinal))
            .Select(line => line[(key.Length + 1)..].Trim())
            .ToList();

    private static Dictionary<string, List<string>> ParseGroups(string listing)
    {
        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var raw in listing.Split('\n'))
        {
            if (raw.StartsWith('@'))
            {
                current = [];
                groups[raw.Split(' ')[0].Trim()] = current;
                continue;
            }

            var line = raw.Trim();
            if (current is null || line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            current.Add(line.Split(' ')[0]);
        }

        Assert.True(groups.ContainsKey("@system-service"), "systemd-analyze syscall-filter listed no @system-service group");
        return groups;
    }

    private static HashSet<string> Expand(string item, Dictionary<string, List<string>> groups)
    {
        if (!item.StartsWith('@'))
        {
            return [item];
        }

        Assert.True(groups.TryGetValue(item, out var members), $"unknown system call group {item}");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            names.UnionWith(Expand(member, groups));
        }

        return names;
    }
}
