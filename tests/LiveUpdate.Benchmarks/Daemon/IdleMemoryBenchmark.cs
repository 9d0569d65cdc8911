using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Benchmarks.Engine;
using LiveUpdate.Region;
using Access = LiveUpdate.Protocol.V1.Access;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// The daemon's resident memory at rest on a large region: <c>files</c> 4 KiB blobs, 1,000 to a directory, built
/// directly with the engine (<see cref="AttachBenchmark.Build"/>, far faster than through the API), plus one 2 MiB
/// guest-memory file owned by this user. The daemon is started on it, waited for (READY=1), asked for one Open + hand-out
/// of that file, waited for until it has returned its start-up memory (the HeapTrimmed line, which it logs at the first
/// quiet second after start-up), left idle for 2 s more, and its <c>/proc/PID/status</c> read.
/// </summary>
internal static class IdleMemoryBenchmark
{
    public const string OpenedFile = "/open-me";

    private static readonly TimeSpan s_idle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_trimTimeout = TimeSpan.FromSeconds(60);

    public sealed record Result(ProcessMemory Memory, double BuildSeconds, double ToNotifyMs, double? AttachReportedMs, DaemonLogLines.HeapTrim Trim, double ToTrimMs);

    public static Result Run(DaemonDirectory directory, int files, long regionBytes)
    {
        var took = AttachBenchmark.Build(directory.RegionPath, regionBytes, files, 1_000);
        using (var region = PersistentRegion.Attach(directory.RegionPath, RegionFiles.Existing))
        {
            _ = region.CreateFile(OpenedFile, 2 * RegionFiles.MiB, FileKind.GuestMemory, new CreateFileOptions(OwnerUid: EffectiveUid()));
        }

        using var daemon = DaemonProcess.StartAndWait(directory, DaemonOutput.File);
        var toNotify = Stopwatch.GetElapsedTime(daemon.StartedTimestamp, daemon.ReadyTimestamp).TotalMilliseconds;
        using (var client = daemon.NewClient())
        {
            client.OpenAsync(OpenedFile, Access.ReadWrite).GetAwaiter().GetResult().Dispose();
        }

        var trim = WaitForTrim(directory.LogPath);
        var toTrim = Stopwatch.GetElapsedTime(daemon.StartedTimestamp).TotalMilliseconds;
        Thread.Sleep(s_idle);
        var memory = ProcessMemory.Of(daemon.Pid);
        var attachMs = DaemonLogLines.First(File.ReadLines(directory.LogPath), DaemonLogLines.AttachMilliseconds);
        daemon.Stop();
        return new Result(memory, took.TotalSeconds, toNotify, attachMs, trim, toTrim);
    }

    private static DaemonLogLines.HeapTrim WaitForTrim(string logPath)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(s_trimTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            foreach (var line in File.ReadLines(logPath))
            {
                if (DaemonLogLines.Trim(line) is { } trim)
                {
                    return trim;
                }
            }

            Thread.Sleep(100);
        }

        throw new InvalidOperationException($"the daemon logged no HeapTrimmed line within {s_trimTimeout.TotalSeconds:0} s (log: {logPath})");
    }

    /// <summary>This process's effective uid (the second field of Uid: in /proc/self/status).</summary>
    private static uint EffectiveUid() => uint.Parse(
        File.ReadLines("/proc/self/status").First(line => line.StartsWith("Uid:", StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[2],
        CultureInfo.InvariantCulture);
}
