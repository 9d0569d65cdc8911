using System.Globalization;

namespace LiveUpdate.Service.Hosting;

/// <summary>Who holds the flock of a region (the daemon takes one on its region), read from /proc/locks.</summary>
internal static class RegionLockHolder
{
    /// <summary>"pid N (name)" of the process holding a flock on <paramref name="path"/>, or null when none is found.</summary>
    public static string? Describe(string path)
    {
        if (!Interop.Libc.TryStatx(path, noFollow: false, out var status, out _))
        {
            return null;
        }

        var (devMajor, devMinor, inode, _, _) = status.Identity;
        var file = string.Create(CultureInfo.InvariantCulture, $"{devMajor:x2}:{devMinor:x2}:{inode}");
        try
        {
            // "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF"; a waiter's line has "->" after the number.
            foreach (var line in File.ReadLines("/proc/locks"))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 6 && fields[1] == "FLOCK" && fields[5] == file && int.TryParse(fields[4], CultureInfo.InvariantCulture, out var pid))
                {
                    return $"pid {pid}{NameOf(pid)}";
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No /proc/locks: the holder stays unnamed.
        }

        return null;
    }

    private static string NameOf(int pid)
    {
        try
        {
            return $" ({File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/comm").Trim()})";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
