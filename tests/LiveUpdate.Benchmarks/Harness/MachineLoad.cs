using System.Diagnostics;
using System.Globalization;

namespace LiveUpdate.Benchmarks.Harness;

/// <summary>
/// How busy the machine was with other work while a suite ran: CPU time used by every other process (from
/// /proc/stat, less this process's own, that of the child processes it started and waited for, such as the daemons the
/// daemon suite runs, and that of the processes it started but cannot wait for, counted by <see cref="CountAsOwn"/>) as
/// a fraction of all cores over the run, and the load average. These VMs are shared; figures measured while others use
/// the CPU are pessimistic and say so.
/// </summary>
internal sealed class MachineLoad
{
    /// <summary>Above this share of the cores used by others, the table warns that figures are pessimistic.</summary>
    public const double BusyThreshold = 0.10;

    /// <summary>CPU time of processes counted by <see cref="CountAsOwn"/>, in <see cref="TicksPerSecond"/> units.</summary>
    private static long s_adoptedTicks;

    private readonly long _startedTimestamp;
    private readonly long _busyTicksAtStart;
    private readonly double _ownCpuAtStart;

    private MachineLoad()
    {
        _startedTimestamp = Stopwatch.GetTimestamp();
        _busyTicksAtStart = BusyTicks();
        _ownCpuAtStart = OwnAndChildrenSeconds();
        LoadAverageAtStart = LoadAverage();
    }

    public double LoadAverageAtStart { get; }

    public double LoadAverageAtEnd { get; private set; }

    /// <summary>CPU used by other processes over the run, as a fraction of all cores (0 = idle machine, 1 = all cores busy).</summary>
    public double OthersCpuFraction { get; private set; }

    public static MachineLoad Start() => new();

    /// <summary>
    /// Counts <paramref name="cpuSeconds"/> used by a process this run started but does not wait for (a QEMU killed
    /// together with the supervisor that started it: init reaps it, so its time is not among this process's children's)
    /// as this run's own.
    /// </summary>
    public static void CountAsOwn(double cpuSeconds) => Interlocked.Add(ref s_adoptedTicks, (long)(cpuSeconds * TicksPerSecond));

    public void Stop()
    {
        var elapsed = Stopwatch.GetElapsedTime(_startedTimestamp).TotalSeconds;
        var busy = (BusyTicks() - _busyTicksAtStart) / (double)TicksPerSecond;
        var own = OwnAndChildrenSeconds() - _ownCpuAtStart;
        OthersCpuFraction = elapsed <= 0 || busy < 0 ? double.NaN : Math.Clamp((busy - own) / (elapsed * Environment.ProcessorCount), 0, 1);
        LoadAverageAtEnd = LoadAverage();
    }

    /// <summary>USER_HZ: /proc/stat counts in hundredths of a second on every Linux architecture .NET runs on.</summary>
    private const int TicksPerSecond = 100;

    /// <summary>Non-idle jiffies of all CPUs (user, nice, system, irq, softirq, steal), or 0 when /proc/stat is unreadable.</summary>
    private static long BusyTicks()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long busy = 0;
            for (var i = 1; i < fields.Length && i <= 8; i++)
            {
                if (i is 4 or 5)
                {
                    continue; // idle, iowait
                }

                busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
            }

            return busy;
        }
        catch (Exception ex) when (ex is IOException or FormatException or InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>
    /// CPU seconds of this process and of its children that have exited and been waited for (utime, stime, cutime,
    /// cstime of /proc/self/stat; the process's own time alone when that cannot be read), plus what
    /// <see cref="CountAsOwn"/> counted.
    /// </summary>
    private static double OwnAndChildrenSeconds() => (Interlocked.Read(ref s_adoptedTicks) / (double)TicksPerSecond) + OwnAndWaitedSeconds();

    private static double OwnAndWaitedSeconds()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            // Fields after the parenthesized command name: [0] is field 3 (state), so fields 14-17 are [11]..[14].
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = 0;
            for (var i = 11; i <= 14; i++)
            {
                ticks += long.Parse(fields[i], CultureInfo.InvariantCulture);
            }

            return ticks / (double)TicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        }
    }

    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException)
        {
            return double.NaN;
        }
    }
}
