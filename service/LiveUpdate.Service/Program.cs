using System.Runtime.InteropServices;
using LiveUpdate.Region;
using LiveUpdate.Region.Devices;
using LiveUpdate.Service;

// The daemon's start-up path: open the region, refuse anything it does not recognise, attach (journal
// replay, full metadata scan), record this boot, check, report, then hold the region until SIGTERM.
// The gRPC endpoints are composed on top of this in the service layer.
DaemonOptions options;
var once = args.Contains("--once");
try
{
    options = DaemonOptions.Parse(args.Where(a => a != "--once").ToArray());
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"liveupdated: {ex.Message}");
    Console.Error.WriteLine("usage: liveupdated [--region PATH] [--region-size SIZE] [--format] [--phys-base ADDR] [--boot-id-file PATH] [--once]");
    return 2;
}

try
{
    var isDefault = options.Region == DaemonOptions.DefaultRegionPath;
    using var device = RegionDevice.Open(options.Region, new RegionDeviceOptions
    {
        CreateIfMissing = isDefault,
        CreateSize = options.RegionSize,
        SimulatedPhysicalBase = options.PhysicalBase,
    });
    Console.WriteLine($"liveupdated: region {device.Path}: {device.Backend}, {Humanize(device.Size)}, physical base 0x{device.PhysicalBase:x}{(device.PhysicalBaseSimulated ? " (simulated)" : " (from sysfs)")}");

    var content = RegionProbe.Inspect(device);
    switch (content)
    {
        case RegionContent.Empty:
        case RegionContent.Foreign when options.Format:
            Console.WriteLine($"liveupdated: the region holds {(content == RegionContent.Empty ? "nothing" : "unrecognised data and --format was given")}: formatting");
            PersistentRegion.Format(device).Dispose();
            break;
        case RegionContent.Foreign:
            Console.Error.WriteLine($"liveupdated: {device.Path} holds data that is not a LiveUpdate region; refusing to touch it (pass --format to format it)");
            return 1;
        case RegionContent.NewerRegion:
        case RegionContent.CorruptRegion:
        case RegionContent.Region:
            break;
    }

    using var region = PersistentRegion.Attach(device);
    var attach = region.AttachReport;
    var bootId = ReadBootId(options.BootIdFile);
    var before = region.Info;
    var info = region.RecordBoot(bootId);
    Console.WriteLine($"liveupdated: attached format v{info.FormatVersion} region {info.RegionUuid} in {attach.Duration.TotalMilliseconds:F1} ms " +
        $"(state {attach.StateAtAttach}, generation {info.Generation}, {attach.JournalTransactionsReplayed} journal transactions replayed, attach #{info.AttachCount})");
    Console.WriteLine(before.BootId == bootId
        ? $"liveupdated: same boot ({bootId}): daemon restart, state kept"
        : $"liveupdated: boot id changed {before.BootId} -> {bootId}" + (before.BootId == Guid.Empty ? " (first attach)" : " (the host rebooted or was kexec'd)"));
    foreach (var warning in attach.Warnings)
    {
        Console.WriteLine($"liveupdated: warning: {warning}");
    }

    var stats = region.GetStatistics();
    Console.WriteLine($"liveupdated: {stats.Files} files, {stats.Directories} directories; used {Humanize(stats.UsedBytes)} " +
        $"(metadata {Humanize(stats.MetadataBytes)}), free {Humanize(stats.FreeBytes)}, largest free extent {Humanize(stats.LargestFreeExtent)}");
    var check = region.Check();
    Console.WriteLine(check.Clean ? "liveupdated: check: clean" : $"liveupdated: check found {check.Problems.Count} problems:\n  " + string.Join("\n  ", check.Problems));
    foreach (var file in region.ListAllFiles().Take(20))
    {
        Console.WriteLine($"  {file.Kind,-14} {Humanize(file.Size),10}  {file.Path}  ({file.Extents.Count} extents, vm {file.VmUuid})");
    }

    if (once)
    {
        return check.Clean ? 0 : 1;
    }

    Console.WriteLine("liveupdated: holding the region (locked against a second daemon); Ctrl+C or SIGTERM detaches cleanly");
    using var stop = new ManualResetEventSlim();
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Set(); });
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Set(); });
    stop.Wait();
    Console.WriteLine("liveupdated: detaching");
    return 0;
}
catch (RegionException ex)
{
    Console.Error.WriteLine($"liveupdated: {ex.Error}: {ex.Message}");
    return 1;
}

static Guid ReadBootId(string path)
{
    var text = File.ReadAllText(path).Trim();
    return Guid.TryParse(text, out var id) ? id : throw new RegionException(RegionError.InvalidArgument, $"{path} does not hold a boot id: '{text}'");
}

static string Humanize(long bytes)
{
    string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    double value = bytes;
    var unit = 0;
    while (value >= 1024 && unit < units.Length - 1)
    {
        value /= 1024;
        unit++;
    }

    return unit == 0 ? $"{bytes} B" : $"{value:0.#} {units[unit]}";
}
