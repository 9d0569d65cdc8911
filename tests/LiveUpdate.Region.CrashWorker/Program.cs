using System.Globalization;
using LiveUpdate.Region;
using LiveUpdate.Region.CrashWorker;
using LiveUpdate.Region.Devices;

// The crash tests' child process; see WorkerOptions for the command line and ReportTag for what it prints.
// Exit codes: 0 ran every operation and detached; 2 bad arguments; 3 it saw an inconsistency itself (a BAD
// line says which); 137 killed with SIGKILL, by the test or by its own fault injector (a KILL line).
WorkerOptions options;
try
{
    options = WorkerOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(WorkerOptions.Usage);
    return 2;
}

using var report = new ReportWriter();
var injector = options.FaultPoint is { } point ? new SelfKillingFaultInjector(point, options.FaultHit, report) : null;
PersistentRegion region;
try
{
    region = PersistentRegion.Attach(options.RegionPath, new RegionDeviceOptions { CreateIfMissing = false }, new RegionOptions { FaultInjector = injector });
}
catch (RegionException ex)
{
    report.Write(ReportLine.FormatText(ReportTag.Bad, $"attach failed: {ex.Error}: {ex.Message}"));
    return 3;
}

if (options.Workload is "dma" or "contents")
{
    report.Write(ReportLine.FormatText(ReportTag.Attached, string.Create(CultureInfo.InvariantCulture, $"replayed={region.AttachReport.JournalTransactionsReplayed}")));
    if (options.Workload == "dma")
    {
        new DmaWorkload(region, report, options.Seed, options.Operations).Run();
    }
    else
    {
        new ContentsWorkload(region, report, options.Seed, options.Operations).Run();
    }

    region.Dispose();
    report.Write(ReportLine.FormatText(ReportTag.Exit, string.Create(CultureInfo.InvariantCulture, $"ops={options.Operations}")));
    return 0;
}

var workload = new Workload(region, report, options.Seed, options.Operations);
report.Write(ReportLine.FormatText(ReportTag.Attached,
    string.Create(CultureInfo.InvariantCulture, $"replayed={region.AttachReport.JournalTransactionsReplayed} entries={workload.Entries}")));
workload.Run();
region.Dispose();
report.Write(ReportLine.FormatText(ReportTag.Exit, string.Create(CultureInfo.InvariantCulture, $"ops={workload.Operations}")));
return 0;
