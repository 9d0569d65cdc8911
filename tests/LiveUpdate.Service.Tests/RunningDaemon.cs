using System.Diagnostics;
using Grpc.Net.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests;

/// <summary>One daemon shared by a test class. As root, its socket directory is made beforehand with group 65534 (nogroup),
/// so that a child process dropped to uid 65534 can reach the sockets.</summary>
public sealed class RunningDaemon : IAsyncLifetime
{
    public const uint NobodyUid = 65534;

    public DaemonProcess Daemon { get; } = DaemonProcess.Create();

    public GrpcChannel Channel { get; private set; } = null!;

    public Files.FilesClient Files { get; private set; } = null!;

    /// <summary>This process's effective uid (second field of Uid: in /proc/self/status).</summary>
    public static uint CurrentUid => uint.Parse(
        File.ReadAllLines("/proc/self/status").First(line => line.StartsWith("Uid:")).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2],
        System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsRoot => CurrentUid == 0;

    public async Task InitializeAsync()
    {
        if (IsRoot)
        {
            Directory.CreateDirectory(Daemon.SocketDirectory);
            using var chgrp = Process.Start("chgrp", [NobodyUid.ToString(System.Globalization.CultureInfo.InvariantCulture), Daemon.SocketDirectory]);
            await chgrp.WaitForExitAsync();
        }

        await Daemon.StartAsync();
        Channel = Daemon.Channel();
        Files = new Files.FilesClient(Channel);
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        await Daemon.StopAsync();
        await Daemon.DisposeAsync();
    }
}
