using LiveUpdate.Client;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Cli.Tests.Infrastructure;

/// <summary>
/// One real daemon process for a test class, on a fresh 256 MiB file region and socket directory under /dev/shm, plus a
/// client-library client for setting up and checking what luctl did.
/// </summary>
public class DaemonFixture : IAsyncLifetime
{
    public const ulong MiB = 1UL << 20;

    public DaemonProcess Daemon { get; } = DaemonProcess.Create(regionBytes: 256L << 20);

    public LiveUpdateClient Client { get; private set; } = null!;

    /// <summary>Extra daemon options.</summary>
    protected virtual string[] DaemonArguments => [];

    /// <summary>Runs luctl against this daemon (<c>--socket-dir</c> added).</summary>
    public Task<LuctlResult> RunAsync(params string[] arguments) =>
        LuctlProcess.RunAsync([.. arguments, "--socket-dir", Daemon.SocketDirectory]);

    /// <summary>A client of its own (a VMM's), for tests that need several.</summary>
    public LiveUpdateClient NewClient() => new(new LiveUpdateClientOptions { SocketDirectory = Daemon.SocketDirectory });

    public virtual async Task InitializeAsync()
    {
        await Daemon.StartAsync(DaemonArguments);
        Client = NewClient();
    }

    public virtual async Task DisposeAsync()
    {
        Client?.Dispose();
        await Daemon.StopAsync();
        await Daemon.DisposeAsync();
    }
}
