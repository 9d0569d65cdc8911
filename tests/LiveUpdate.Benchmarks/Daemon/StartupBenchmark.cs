using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// Daemon start to first served descriptor on an existing region of <c>files</c> files. The region is prepared once
/// through a daemon (8 concurrent callers create the files, then SIGTERM). Then each start: the daemon process is started
/// and a client without retries polls every 2 ms (a bare connect to the gRPC socket until it listens, then
/// <c>Open</c> + descriptor hand-out of a known file) until an Open succeeds; the figure is the wall time from just before Process.Start to that success. READY=1 on our NOTIFY_SOCKET
/// and the arrival of the daemon's log lines are stamped on the same clock, for a timeline. Page cache and JIT-free
/// parts are warm (the preparation ran the same binary), as after a restart on a running host.
/// </summary>
internal static class StartupBenchmark
{
    private const int PerDirectory = 100;
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan s_giveUp = TimeSpan.FromSeconds(60);

    public sealed record Result(
        Samples ToOpenMs,
        Samples ToNotifyMs,
        Samples FirstLineMs,
        Samples AttachedLineMs,
        Samples AttachReportedMs,
        Samples ReadyLineMs,
        Samples ReadyReportedMs,
        Samples PollAttempts,
        Samples Probes,
        Samples PollCpuMs,
        Samples StopMs,
        Samples HelpExitMs,
        double PrepareSeconds,
        ProcessMemory IdleMemory);

    public static Result Run(DaemonDirectory directory, int files, int starts, TextWriter log)
    {
        var prepared = Stopwatch.GetTimestamp();
        var known = Prepare(directory, files);
        var prepareSeconds = Stopwatch.GetElapsedTime(prepared).TotalSeconds;
        log.WriteLine($"  region prepared ({files:N0} files) in {prepareSeconds:F1} s; 'liveupdated --help' for the runtime's own start");
        var help = new Samples(Enumerable.Range(0, 3).Select(_ => HelpExitMilliseconds()));

        var toOpen = new List<double>();
        var toNotify = new List<double>();
        var firstLine = new List<double>();
        var attachedLine = new List<double>();
        var attachReported = new List<double>();
        var readyLine = new List<double>();
        var readyReported = new List<double>();
        var attempts = new List<double>();
        var probeCounts = new List<double>();
        var pollCpu = new List<double>();
        var stops = new List<double>();
        ProcessMemory? idle = null;
        for (var start = 0; start < starts; start++)
        {
            using var client = new LiveUpdateClient(new LiveUpdateClientOptions
            {
                SocketDirectory = directory.SocketDirectory,
                MaxAttempts = 1,
                CallTimeout = TimeSpan.FromSeconds(5),
                HandoutTimeout = TimeSpan.FromSeconds(5),
            });
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            using var daemon = DaemonProcess.Start(directory, DaemonOutput.Lines);
            var (openedAt, probes, tries) = PollUntilOpen(daemon, client, known);
            toOpen.Add(Stopwatch.GetElapsedTime(daemon.StartedTimestamp, openedAt).TotalMilliseconds);
            pollCpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds);
            attempts.Add(tries);
            probeCounts.Add(probes);
            toNotify.Add(daemon.WaitForReady());

            var lines = daemon.Lines;
            if (lines.Count > 0)
            {
                firstLine.Add(Since(daemon, lines[0].Timestamp));
            }

            foreach (var (timestamp, line) in lines)
            {
                if (DaemonLogLines.AttachMilliseconds(line) is { } attachMs)
                {
                    attachedLine.Add(Since(daemon, timestamp));
                    attachReported.Add(attachMs);
                }

                if (DaemonLogLines.ReadyMilliseconds(line) is { } readyMs)
                {
                    readyLine.Add(Since(daemon, timestamp));
                    readyReported.Add(readyMs);
                }
            }

            if (start == starts - 1)
            {
                Thread.Sleep(2_000);
                idle = ProcessMemory.Of(daemon.Pid);
            }

            stops.Add(daemon.Stop());
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  start {start + 1}: Open + fd after {toOpen[^1]:F0} ms ({probes} probes, {tries} Open attempts), READY=1 after {toNotify[^1]:F0} ms, stopped in {stops[^1]:F0} ms"));
        }

        return new Result(
            new Samples(toOpen), new Samples(toNotify), Required(firstLine, "no output"), Required(attachedLine, "no RegionAttached line"),
            Required(attachReported, "no RegionAttached line"), Required(readyLine, "no Ready line"), Required(readyReported, "no Ready line"), new Samples(attempts), new Samples(probeCounts), new Samples(pollCpu), new Samples(stops), help, prepareSeconds, idle!);
    }

    /// <summary>Fills the region through a daemon: 8 callers, <see cref="PerDirectory"/> 2 MiB guest-memory files per directory. Returns a file's path.</summary>
    private static string Prepare(DaemonDirectory directory, int files)
    {
        using var daemon = DaemonProcess.StartAndWait(directory, DaemonOutput.File);
        using (var client = daemon.NewClient())
        {
            var directories = (files + PerDirectory - 1) / PerDirectory;
            Task.WhenAll(Enumerable.Range(0, directories).Select(d => client.MakeDirectoryAsync(DirectoryName(d)))).GetAwaiter().GetResult();
            var next = -1;
            Task.WhenAll(Enumerable.Range(0, CreateRemoveBenchmark.Callers).Select(async caller =>
            {
                await Task.Yield();
                for (var i = Interlocked.Increment(ref next); i < files; i = Interlocked.Increment(ref next))
                {
                    _ = await client.CreateFileAsync(FileName(i), CreateRemoveBenchmark.FileBytes, FileKind.GuestMemory).ConfigureAwait(false);
                }
            })).GetAwaiter().GetResult();
            var region = client.GetRegionAsync().GetAwaiter().GetResult();
            if (region.FileCount != (ulong)files)
            {
                throw daemon.Failed($"holds {region.FileCount} files after creating {files}");
            }
        }

        daemon.Stop();
        return FileName(files / 2);
    }

    private static string DirectoryName(int index) => "/s" + index.ToString("D3", CultureInfo.InvariantCulture);

    private static string FileName(int index) => DirectoryName(index / PerDirectory) + "/f" + index.ToString("D5", CultureInfo.InvariantCulture);

    /// <summary>
    /// Every 2 ms: a connect probe of the gRPC socket until something listens on it, then Open + hand-out until one
    /// succeeds. Returns the Stopwatch timestamp of the success, the probes and Open attempts made.
    /// </summary>
    private static (long OpenedAt, int Probes, int Attempts) PollUntilOpen(DaemonProcess daemon, LiveUpdateClient client, string path)
    {
        var probes = 0;
        var attempts = 0;
        while (true)
        {
            probes++;
            if (SocketProbe.Accepts(client.GrpcSocketPath))
            {
                attempts++;
                try
                {
                    client.OpenAsync(path, Access.ReadWrite).GetAwaiter().GetResult().Dispose();
                    return (Stopwatch.GetTimestamp(), probes, attempts);
                }
                catch (LiveUpdateException ex) when (ex.Error is LiveUpdateError.Unavailable or LiveUpdateError.DeadlineExceeded)
                {
                }
            }

            if (daemon.HasExited)
            {
                throw daemon.Failed("exited while starting");
            }

            if (Stopwatch.GetElapsedTime(daemon.StartedTimestamp) > s_giveUp)
            {
                throw daemon.Failed($"served no Open within {s_giveUp.TotalSeconds} s");
            }

            Thread.Sleep(s_pollInterval);
        }
    }

    /// <summary>Wall time of <c>liveupdated --help</c>: runtime start, Main, the usage text, exit.</summary>
    private static double HelpExitMilliseconds()
    {
        var command = DaemonBinary.Command;
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--help");
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {command[0]}");
        _ = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return process.ExitCode == 0 ? elapsed : throw new InvalidOperationException($"liveupdated --help exited with code {process.ExitCode}");
    }

    private static double Since(DaemonProcess daemon, long timestamp) => Stopwatch.GetElapsedTime(daemon.StartedTimestamp, timestamp).TotalMilliseconds;

    private static Samples Required(List<double> values, string missing) =>
        values.Count > 0 ? new Samples(values) : throw new InvalidOperationException($"the daemon's start-up output had {missing}");
}
