using LiveUpdate.Region;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Security;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>
/// Decides whether a Files call may go ahead in the current lifecycle state (docs/design.md §7). Every mutation asks while it
/// holds <see cref="RegionHost.Mutations"/>, and every state change that closes the gate is made under that same
/// lock, so when a freeze has the lock and has set FREEZING, no mutation is half done and none can start.
/// </summary>
internal sealed class LifecycleGate(VmmRegistry vmms, RegionHost regionHost)
{
    private volatile bool _reconcileRunning;
    private volatile LifecycleState _state = LifecycleState.Active;

    /// <summary>
    /// The lifecycle state as the daemon enforces it: the superblock's, read at <see cref="Load"/> and changed only
    /// through <see cref="TransitionTo"/>, which writes the superblock first.
    /// </summary>
    public LifecycleState State => _state;

    /// <summary>Takes the state attach recorded in <paramref name="region"/>'s superblock.</summary>
    public void Load(PersistentRegion region)
    {
        lock (regionHost.Mutations)
        {
            _state = region.Info.State;
        }
    }

    /// <summary>
    /// The one way the lifecycle state changes: the superblock moves to <paramref name="next"/> (the engine refuses an
    /// illegal transition), then the gate, both under <see cref="RegionHost.Mutations"/>, so no mutation sees one
    /// without the other. Returns the state recorded.
    /// </summary>
    public LifecycleState TransitionTo(PersistentRegion region, LifecycleState next)
    {
        lock (regionHost.Mutations)
        {
            var state = region.TransitionTo(next).State;
            _state = state;
            return state;
        }
    }

    /// <summary>True while a reconcile runs: every Files call and Reclaim answers UNAVAILABLE.</summary>
    public bool ReconcileRunning
    {
        get => _reconcileRunning;
        set => _reconcileRunning = value;
    }

    /// <summary>The current state as error messages name it (FROZEN, RECONCILING, …).</summary>
    public string StateName => State.ToString().ToUpperInvariant();

    /// <summary>Throws UNAVAILABLE while a reconcile runs (reads and writes alike).</summary>
    public void DemandNotReconciling()
    {
        if (_reconcileRunning)
        {
            throw new DaemonException(DaemonError.NotReady, "the daemon is reconciling the region after a boot; retry in a moment");
        }
    }

    /// <summary>
    /// Throws unless <paramref name="caller"/> may <paramref name="action"/> <paramref name="path"/> now: FAILED_PRECONDITION
    /// while FREEZING or FROZEN (except, during FREEZING, a registered VMM that has not acked yet, on a DEVICE_STATE file of
    /// its own VM, <paramref name="deviceStateOf"/>) and while a reconcile is pending.
    /// </summary>
    public void DemandMutable(Caller caller, string action, string path, Guid? deviceStateOf = null)
    {
        DemandNotReconciling();
        switch (State)
        {
            case LifecycleState.Active:
                return;
            case LifecycleState.Freezing when deviceStateOf is { } vm && vm != Guid.Empty && vmms.IsSavingDeviceState(caller, vm):
                return;
            case LifecycleState.Freezing or LifecycleState.Frozen:
                throw new DaemonException(DaemonError.WrongState,
                    $"cannot {action} '{path}': the host is {(State == LifecycleState.Frozen ? "frozen" : "freezing")} for an update " +
                    "(only reads are allowed until it thaws; a VMM saving its device state may write its VM's DEVICE_STATE files until it acks)");
            default:
                throw new DaemonException(DaemonError.WrongState,
                    $"cannot {action} '{path}': the region awaits a reconcile after a boot (see luctl status; run luctl check --repair and luctl reconcile)");
        }
    }
}
