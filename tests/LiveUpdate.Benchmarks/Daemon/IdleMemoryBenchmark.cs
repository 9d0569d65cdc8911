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
/// of that file, left idle for 2 s, and its <c>/proc/PID/status</c> read.
/// </summary>
internal static class IdleMemoryBenchmark
{
    public const string OpenedFile = "/open-me";

    private static readonly TimeSpan s_idle = TimeSpan.FromSeconds(2);

    public sealed record Result(ProcessMemory Memory, double BuildSeconds, double ToNotifyMs, double? AttachReportedMs);

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

        Thread.Sleep(s_idle);
        var memory = ProcessMemory.Of(daemon.Pid);
        var attachMs = DaemonLogLines.First(File.ReadLines(directory.LogPath), DaemonLogLines.AttachMilliseconds);
        daemon.Stop();
        return new Result(memory, took.TotalSeconds, toNotify, attachMs);
    }

    /// <summary>This process's effective uid (the second field of Uid: in /proc/self/status).</summary>
    private static uint EffectiveUid() => uint.Parse(
        File.ReadLines("/proc/self/status").First(line => line.StartsWith("Uid:", StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[2],
        CultureInfo.InvariantCulture);
}
