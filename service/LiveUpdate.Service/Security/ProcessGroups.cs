using System.Globalization;

namespace LiveUpdate.Service.Security;

/// <summary>
/// The supplementary groups of a process, from <c>/proc/PID/status</c>. Best effort: the pid comes from SO_PEERCRED at
/// connect time, and the process may have exited (and its pid been reused) or changed its groups since. To narrow that
/// race the groups are read once, when the connection is accepted, and only when the status file's effective uid still
/// equals the peer's uid; otherwise the answer is "unknown" and the caller falls back to the group's member list.
/// </summary>
internal static class ProcessGroups
{
    /// <summary>The supplementary gids of <paramref name="pid"/>, or null when they cannot be read for a process with euid <paramref name="uid"/>.</summary>
    public static HashSet<uint>? TryRead(int pid, uint uid)
    {
        if (pid <= 0)
        {
            return null;
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return Parse(lines, uid);
    }

    /// <summary>Parses the Uid: and Groups: lines; null unless the effective uid (second field of Uid:) is <paramref name="uid"/>.</summary>
    public static HashSet<uint>? Parse(IEnumerable<string> lines, uint uid)
    {
        HashSet<uint>? groups = null;
        var uidMatches = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                var fields = line[4..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                uidMatches = fields.Length >= 2 && uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var euid) && euid == uid;
            }
            else if (line.StartsWith("Groups:", StringComparison.Ordinal))
            {
                groups = [];
                foreach (var field in line[7..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                {
                    if (uint.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
                    {
                        groups.Add(gid);
                    }
                }
            }
        }

        return uidMatches ? groups : null;
    }
}
