using System.Diagnostics;
using LiveUpdate.Region;
using LiveUpdate.Region.Checking;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Namespaces;
using LiveUpdate.Service.Regions;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveUpdate.Service.Hosting;

/// <summary>
/// <c>liveupdated check --region PATH [--repair] [--json]</c> (docs/design.md §14): the engine's check of a region with no
/// daemon running (no host, no sockets), for the region that attach refuses. The device is opened as the daemon opens
/// it (on the namespaces backend: the metadata namespace, found by name, with the namespaces compared with the files), taking its flock: while a daemon holds the region, the check stops there and nothing is read or changed.
/// </summary>
internal static class OfflineCheck
{
    /// <summary>The region is clean (after <c>--repair</c>: every problem was repaired).</summary>
    public const int Clean = 0;

    /// <summary>Problems remain.</summary>
    public const int ProblemsRemain = 1;

    /// <summary>Bad usage, or the region cannot be opened.</summary>
    public const int BadUsage = 2;

    /// <summary>A running daemon holds the region.</summary>
    public const int HeldByDaemon = 3;

    /// <summary>One line for the daemon's own --help.</summary>
    public const string Synopsis = """

        offline check (no daemon running): liveupdated check --region PATH [--repair] [--json]; see liveupdated check --help

        """;

    /// <summary>Runs the check for <paramref name="args"/> (what follows <c>check</c>); returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        OfflineCheckArguments arguments;
        try
        {
            arguments = OfflineCheckArguments.Parse(args);
        }
        catch (FormatException ex)
        {
            error.WriteLine($"liveupdated check: {ex.Message}");
            return BadUsage;
        }

        if (arguments.Help)
        {
            output.Write(OfflineCheckArguments.Usage);
            return Clean;
        }

        RegionDevice device;
        INamespaceDirectory? namespaces = null;
        try
        {
            if (NamespaceRegion.IsNdRegionPath(arguments.Region))
            {
                (device, namespaces) = NamespaceRegion.OpenExisting(arguments.Region, NullLogger.Instance);
            }
            else
            {
                device = RegionDevice.Open(arguments.Region);
            }
        }
        catch (RegionException ex) when (ex.Error == RegionError.Busy)
        {
            var holder = RegionLockHolder.Describe(arguments.Region) is { } who ? $" by {who}" : string.Empty;
            error.WriteLine($"liveupdated check: region {arguments.Region} is held{holder}, a running daemon: nothing was read or changed; " +
                "check it online with 'luctl check', or stop the daemon first");
            return HeldByDaemon;
        }
        catch (RegionException ex)
        {
            error.WriteLine($"liveupdated check: cannot open region {arguments.Region}: {ex.Message}");
            return BadUsage;
        }

        using (device)
        {
            var started = Stopwatch.GetTimestamp();
            CheckReport report;
            try
            {
                report = PersistentRegion.CheckDetached(device, arguments.Repair, namespaces);
            }
            catch (RegionException ex)
            {
                error.WriteLine($"liveupdated check: the check of {arguments.Region} stopped: {ex.Message}");
                return ProblemsRemain;
            }

            var duration = Stopwatch.GetElapsedTime(started);
            if (arguments.Json)
            {
                OfflineCheckOutput.WriteJson(output, report, duration);
            }
            else
            {
                OfflineCheckOutput.WriteText(output, arguments.Region, report, duration);
            }

            return report.Clean ? Clean : ProblemsRemain;
        }
    }
}
