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
    ILogger<LifecycleHost> logger) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _reconcile = Task.CompletedTask;

    /// <summary>The reconcile started at start-up (completed when there was none).</summary>
    public Task StartupReconcile => _reconcile;

    /// <summary>Loads the gate's state and, after a boot, starts the reconcile (in the background).</summary>
    public void Start()
    {
        var region = regionHost.Region ?? throw new InvalidOperationException("the region host has not attached");
        gate.Load(region);
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
    }

    /// <summary>A stop begins: the running freeze aborts, every VMM stream ends, the start-up reconcile is cancelled.</summary>
    public void BeginStop()
    {
        _stopping.Cancel();
        freezes.AbortRunning("the daemon is stopping");
        vmms.EndAll();
    }

    /// <summary>Waits for the start-up reconcile to end (it stops at its next cancellation point).</summary>
    public async Task WaitStoppedAsync(CancellationToken cancellationToken)
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
        catch (Exception ex) when (ex is LibvirtException or OperationCanceledException)
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
