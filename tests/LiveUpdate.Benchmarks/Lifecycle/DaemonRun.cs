using LiveUpdate.Benchmarks.Daemon;
using LiveUpdate.Client;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// One run of a host's daemon as the clients see it: an operator client without retries (GetStatus polls, Freeze, Thaw,
/// Reconcile), the VMMs' clients (<see cref="VmmClientCount"/> connections, fresh for each daemon run, as the VMMs of a
/// new kernel connect afresh) and, once registered, the VMMs. Disposing ends the VMM streams and closes the clients;
/// the daemon itself belongs to the <see cref="UpdateHost"/>.
/// </summary>
internal sealed class DaemonRun : IAsyncDisposable
{
    public const int VmmClientCount = 10;

    private DaemonRun(UpdateHost host, DaemonProcess daemon)
    {
        Host = host;
        Daemon = daemon;
        Admin = daemon.NewClient(maxAttempts: 1);
        VmmClients = [.. Enumerable.Range(0, VmmClientCount).Select(_ => daemon.NewClient())];
    }

    public UpdateHost Host { get; }

    public DaemonProcess Daemon { get; }

    public LiveUpdateClient Admin { get; }

    public IReadOnlyList<LiveUpdateClient> VmmClients { get; }

    /// <summary>The registered VMMs, once <see cref="RegisterVmmsAsync"/> ran.</summary>
    public VmmSessions? Vmms { get; private set; }

    /// <summary>Clients for the host's running daemon.</summary>
    public static DaemonRun Of(UpdateHost host) =>
        new(host, host.Daemon ?? throw new InvalidOperationException($"the {host.Label} host has no daemon running"));

    /// <summary>Registers one VMM per VM of the fleet.</summary>
    public async Task RegisterVmmsAsync()
    {
        if (Vmms is not null)
        {
            throw new InvalidOperationException("the VMMs are registered already");
        }

        Vmms = await VmmSessions.RegisterAsync(VmmClients, Host.Fleet).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Vmms is not null)
        {
            await Vmms.DisposeAsync().ConfigureAwait(false);
            Vmms = null;
        }

        foreach (var client in VmmClients)
        {
            client.Dispose();
        }

        Admin.Dispose();
    }
}
