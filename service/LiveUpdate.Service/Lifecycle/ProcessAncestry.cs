using System.Globalization;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>A process's ancestors, read from /proc (the parent pid is the fourth field of /proc/PID/stat).</summary>
internal static class ProcessAncestry
{
    /// <summary>Deeper than any real process tree: a bound in case /proc changes under the walk.</summary>
    private const int MaxDepth = 1024;

    /// <summary>
    /// The parent, grandparent, … of <paramref name="pid"/> up to (not including) pid 1 or the first process that is gone;
    /// empty when <paramref name="pid"/> itself is gone.
    /// </summary>
    public static IReadOnlyList<int> Of(int pid)
    {
        var ancestors = new List<int>();
        var current = pid;
        while (ancestors.Count < MaxDepth && ParentOf(current) is { } parent && parent > 1)
        {
            ancestors.Add(parent);
            current = parent;
        }

        return ancestors;
    }

    /// <summary>The parent pid of <paramref name="pid"/>, or null when the process is gone.</summary>
    private static int? ParentOf(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so the fields start after the last ')'.
        var fields = stat.AsSpan(stat.LastIndexOf(')') + 1).Trim();
        var afterState = fields[(fields.IndexOf(' ') + 1)..];
        var end = afterState.IndexOf(' ');
        return int.TryParse(end < 0 ? afterState : afterState[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : null;
    }
}
