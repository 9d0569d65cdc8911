using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Handout;
using LiveUpdate.Service.Lifecycle;
using LiveUpdate.Service.Limits;
using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Sockets;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Hosting;

/// <summary>
/// The daemon's start-up and stop, in one place and in this order (the only hosted service whose order matters):
/// <list type="number">
/// <item>attach the region, before either socket exists (a second daemon on the same region stops at the region's lock
/// and never touches the first one's sockets), and count what each uid owns in it (quotas);</item>
/// <item>load the lifecycle state and, after a boot, start the reconcile (in the background; Files calls answer
/// UNAVAILABLE until it ends);</item>
/// <item>prepare the socket directory and start the descriptor socket;</item>
/// <item>(Kestrel binds the gRPC socket: the host starts it after this service's StartAsync)</item>
/// <item>secure the gRPC socket, register the metrics' gauges, then READY=1 to systemd.</item>
/// </list>
/// At stop, in reverse: STOPPING=1, freezes abort and VMM streams end; once Kestrel and the descriptor socket have
/// stopped and in-flight calls have finished, the socket files are removed, the start-up reconcile is awaited and the
/// region detached (its journal checkpointed).
/// </summary>
internal sealed class DaemonStartup(
    RegionHost regionHost,
    LifecycleHost lifecycle,
    DaemonSocketDirectory socketDirectory,
    Quotas quotas,
    FdHandoutSocket fdSocket,
    DaemonGauges gauges,
    SystemdIntegration systemd,
    IOptions<DaemonOptions> options) : IHostedLifecycleService
{
    /// <inheritdoc/>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        regionHost.Attach();
        quotas.Recount(regionHost.RequireAttached(), regionHost.CapacityBytes);
        lifecycle.Start();
        socketDirectory.Prepare();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken) => fdSocket.StartAsync(cancellationToken);

    /// <inheritdoc/>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        socketDirectory.SecureSocket(options.Value.GrpcSocketPath);
        gauges.Register();
        systemd.Ready();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        systemd.Stopping();
        lifecycle.BeginStop();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => fdSocket.StopAsync(cancellationToken);

    /// <inheritdoc/>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        systemd.Dispose();
        socketDirectory.RemoveSockets();
        await lifecycle.WaitStoppedAsync(cancellationToken).ConfigureAwait(false);
        regionHost.Detach();
    }
}
