using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Observability;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>
/// Starts the lifecycle after attach: the gate takes the state attach recorded; when attach found a new boot (or an
/// interrupted reconcile), Files calls answer UNAVAILABLE from the first moment and the reconcile runs at once, while the
/// sockets start. At stop, running freezes abort and every VMM stream ends, so in-flight calls can finish.
/// </summary>
internal sealed class LifecycleHost(
    RegionHost regionHost,
    LifecycleGate gate,
    VmmRegistry vmms,
    FreezeCoordinator freezes,
    Reconciler reconciler,
    VmInventorySource inventory,
    ILogger<LifecycleHost> logger) : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _reconcile = Task.CompletedTask;

    /// <summary>The reconcile started at start-up (completed when there was none).</summary>
    public Task StartupReconcile => _reconcile;

    /// <inheritdoc/>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var region = regionHost.Region ?? throw new InvalidOperationException("the region host has not attached");
        gate.State = region.Info.State;
        if (regionHost.Boot?.ReconcileNeeded ?? false)
        {
            // Reconcile now, in parallel with the sockets' start-up: calls that arrive meanwhile get UNAVAILABLE, and
            // VMMs that register after it ended get RECLAIM_READY at registration.
            gate.ReconcileRunning = true;
            _reconcile = Task.Run(ReconcileAtStartAsync, CancellationToken.None);
        }
        else if (inventory.Inventory is { } vms)
        {
            // Open the libvirt connection off the critical path of the first reconcile an operator asks for.
            _ = Task.Run(() => WarmInventory(vms), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        freezes.AbortRunning("the daemon is stopping");
        vmms.EndAll();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _reconcile.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _stopping.Dispose();

    private void WarmInventory(Inventory.IVmInventory vms)
    {
        try
        {
            _ = vms.ListDomains(_stopping.Token);
        }
        catch (Exception ex) when (ex is Inventory.LibvirtException or OperationCanceledException)
        {
            LifecycleLog.InventoryUnavailable(logger, vms.Source, ex.Message);
        }
    }

    private async Task ReconcileAtStartAsync()
    {
        try
        {
            await reconciler.RunAsync(dryRun: false, _stopping.Token, atStartup: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LifecycleLog.ReconcileFailed(logger, ex);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            gate.ReconcileRunning = false;
        }
    }
}
