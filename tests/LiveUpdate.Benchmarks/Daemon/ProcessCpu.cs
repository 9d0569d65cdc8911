using System.Globalization;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>CPU time (user + system, all threads, exited ones included) a process has used, from <c>/proc/PID/stat</c>.</summary>
internal static class ProcessCpu
{
    /// <summary>USER_HZ: /proc counts in hundredths of a second.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Seconds of CPU <paramref name="pid"/> has used so far.</summary>
    public static double Seconds(int pid) => Seconds(Fields(File.ReadAllText($"/proc/{pid}/stat")));

    /// <summary>
    /// Seconds of CPU used so far by the members of process group <paramref name="group"/> other than its leader (a
    /// supervisor's QEMU, say); processes that end during the scan are skipped.
    /// </summary>
    public static double GroupMembersSeconds(int group)
    {
        var seconds = 0.0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == group)
            {
                continue;
            }

            try
            {
                var fields = Fields(File.ReadAllText(Path.Combine(directory, "stat")));
                if (int.Parse(fields[2], CultureInfo.InvariantCulture) == group)
                {
                    seconds += Seconds(fields);
                }
            }
            catch (IOException)
            {
                // Ended meanwhile.
            }
        }

        return seconds;
    }

    /// <summary>
    /// The fields after the command name (field 2, in parentheses, may hold spaces): [0] is field 3 (state), [2] field 5
    /// (pgrp), [11] and [12] fields 14 and 15 (utime, stime).
    /// </summary>
    private static string[] Fields(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

    private static double Seconds(string[] fields) =>
        (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
}
