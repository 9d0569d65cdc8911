using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.Limits;

/// <summary>
/// A daemon of its own for one limits test, started with that test's limits; its socket directory has group 65534
/// (nogroup), so that children dropped to uid 65534, or to other uids with gid 65534, reach the sockets.
/// </summary>
internal sealed class LimitedDaemon : IAsyncDisposable
{
    private LimitedDaemon(DaemonProcess daemon)
    {
        Daemon = daemon;
        Channel = daemon.Channel();
        Files = new Files.FilesClient(Channel);
    }

    public DaemonProcess Daemon { get; }

    public GrpcChannel Channel { get; }

    /// <summary>Files, as root (the test process).</summary>
    public Files.FilesClient Files { get; }

    public string SocketDirectory => Daemon.SocketDirectory;

    /// <summary>Starts a daemon on a region of <paramref name="regionBytes"/> with <paramref name="options"/>.</summary>
    public static async Task<LimitedDaemon> StartAsync(long regionBytes, params string[] options)
    {
        var daemon = DaemonProcess.Create(regionBytes);
        Directory.CreateDirectory(daemon.SocketDirectory);
        using (var chgrp = Process.Start("chgrp", [RunningDaemon.NobodyUid.ToString(CultureInfo.InvariantCulture), daemon.SocketDirectory])!)
        {
            await chgrp.WaitForExitAsync();
            Assert.Equal(0, chgrp.ExitCode);
        }

        await daemon.StartAsync(options);
        return new LimitedDaemon(daemon);
    }

    /// <summary>The daemon's resident set and its peak, in bytes, and its threads (VmRSS, VmHWM, Threads of /proc/PID/status).</summary>
    public (long Rss, long Peak, int Threads) Memory()
    {
        long Field(string[] lines, string name) =>
            long.Parse(lines.First(l => l.StartsWith(name, StringComparison.Ordinal))[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        var status = File.ReadAllLines($"/proc/{Daemon.Pid}/status");
        return (Field(status, "VmRSS:") * 1024, Field(status, "VmHWM:") * 1024, (int)Field(status, "Threads:"));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Daemon.StopAsync();
        await Daemon.DisposeAsync();
    }
}
