using System.Globalization;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>CPU time (user + system, all threads, exited ones included) a process has used, from <c>/proc/PID/stat</c>.</summary>
internal static class ProcessCpu
{
    /// <summary>USER_HZ: /proc counts in hundredths of a second.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Seconds of CPU <paramref name="pid"/> has used so far.</summary>
    public static double Seconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }
}
