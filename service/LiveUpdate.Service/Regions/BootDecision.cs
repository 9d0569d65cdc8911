using LiveUpdate.Region;

namespace LiveUpdate.Service.Regions;

/// <summary>
/// What attach makes of the region's state and boot id against the running kernel's (docs/design.md §7): a planned update
/// (FROZEN + new boot), an unplanned reboot (ACTIVE or FREEZING + new boot), or a daemon restart within one boot.
/// </summary>
/// <param name="State">The state to record for this boot.</param>
/// <param name="Cause">The reconcile cause to record with it.</param>
/// <param name="KexecDetected">True when the region was last written under another boot.</param>
/// <param name="Warnings">What the operator should know (stale device state, an interrupted freeze or reconcile).</param>
internal sealed record BootDecision(LifecycleState State, ReconcileCause Cause, bool KexecDetected, IReadOnlyList<string> Warnings)
{
    /// <summary>True when the daemon must reconcile before it serves VMMs.</summary>
    public bool ReconcileNeeded => State == LifecycleState.Reconciling;

    /// <summary>Decides from the superblock as attach found it and the running kernel's boot id.</summary>
    public static BootDecision Decide(RegionInfo region, Guid currentBootId)
    {
        if (region.BootId == Guid.Empty)
        {
            // Freshly formatted (or never attached by a daemon): nothing to reconcile.
            return new BootDecision(region.State, ReconcileCause.None, KexecDetected: false, []);
        }

        if (region.BootId == currentBootId)
        {
            return region.State switch
            {
                // The barrier lived in the dead daemon: VMMs were never told to stay paused, so the freeze is void.
                LifecycleState.Freezing => new BootDecision(LifecycleState.Active, ReconcileCause.None, false,
                    ["the daemon restarted during a freeze; the freeze was abandoned (state back to ACTIVE)"]),
                // Interrupted reconcile: run it again, with the cause recorded when it began.
                LifecycleState.Reconciling => new BootDecision(LifecycleState.Reconciling, region.ReconcileCause, region.PreviousBootId != Guid.Empty,
                    ["the daemon restarted during a reconcile; reconciling again"]),
                // ACTIVE stays ACTIVE; FROZEN stays sealed until Thaw or the next boot.
                _ => new BootDecision(region.State, region.ReconcileCause is ReconcileCause.Unknown ? ReconcileCause.None : region.ReconcileCause, false, []),
            };
        }

        return region.State switch
        {
            LifecycleState.Frozen => new BootDecision(LifecycleState.Reconciling, ReconcileCause.PlannedUpdate, true, []),
            LifecycleState.Freezing => new BootDecision(LifecycleState.Reconciling, ReconcileCause.UnplannedReboot, true,
                ["the host rebooted during a freeze that never sealed: device state may be missing or stale"]),
            LifecycleState.Reconciling => new BootDecision(LifecycleState.Reconciling, region.ReconcileCause, true,
                ["the host rebooted again before the previous reconcile finished"]),
            _ => new BootDecision(LifecycleState.Reconciling, ReconcileCause.UnplannedReboot, true,
                ["unplanned reboot: the region was ACTIVE under the previous boot, so VMMs did not save their device state for this update; device state may be stale"]),
        };
    }
}
