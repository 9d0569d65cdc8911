using LiveUpdate.Client;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Emulator.Tests.RealQemu;

/// <summary>A real daemon on a fresh region, and a client of it (as root: it may create files for any uid).</summary>
internal sealed class RunningDaemon : IAsyncDisposable
{
    private RunningDaemon(DaemonProcess daemon)
    {
        Daemon = daemon;
        Client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = daemon.SocketDirectory });
    }

    public DaemonProcess Daemon { get; }

    public LiveUpdateClient Client { get; }

    /// <summary>Starts a daemon on a region of <paramref name="regionBytes"/>; <paramref name="beforeStart"/> may prepare its directory.</summary>
    public static async Task<RunningDaemon> StartAsync(long regionBytes, Func<DaemonProcess, Task>? beforeStart = null)
    {
        var daemon = DaemonProcess.Create(regionBytes);
        try
        {
            if (beforeStart is not null)
            {
                await beforeStart(daemon);
            }

            await daemon.StartAsync();
            return new RunningDaemon(daemon);
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Daemon.DisposeAsync();
    }
}
