namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// One planned update of a host, in milliseconds. The daemon's share of the blackout is <see cref="BlackoutMs"/> =
/// <see cref="SealAfterLastAckMs"/> + <see cref="StartToActiveMs"/> + <see cref="ReclaimAllMs"/>; the reconcile runs
/// inside <see cref="StartToActiveMs"/> (its report's <see cref="ReconcileTotalMs"/>), so it is not added again.
/// </summary>
/// <param name="FreezeMs">Freeze called to its FROZEN message.</param>
/// <param name="SealAfterLastAckMs">The last VMM's AckFreeze sent to the FROZEN message.</param>
/// <param name="StopMs">SIGTERM to the old daemon's exit (context: in the blackout, but not the daemon's share as defined).</param>
/// <param name="StartToReadyMs">Process.Start of the new daemon to READY=1.</param>
/// <param name="ReadyToActiveMs">READY=1 to a GetStatus answer saying ACTIVE after the reconcile.</param>
/// <param name="ReconcileTotalMs">The report's duration (the whole start-up reconcile).</param>
/// <param name="InventoryMs">The report's inventory_duration (the libvirt listing within it, connection open included).</param>
/// <param name="ReclaimAllMs">All Reclaim calls issued at once (one per VM) to the last answer.</param>
/// <param name="ReclaimP50Ms">The median Reclaim call, sent to answered, in that burst.</param>
/// <param name="AttachReportedMs">The attach time the new daemon logged (event 102), if found.</param>
/// <param name="Polls">GetStatus calls until ACTIVE.</param>
internal sealed record PlannedUpdateRound(
    double FreezeMs,
    double SealAfterLastAckMs,
    double StopMs,
    double StartToReadyMs,
    double ReadyToActiveMs,
    double ReconcileTotalMs,
    double InventoryMs,
    double ReclaimAllMs,
    double ReclaimP50Ms,
    double? AttachReportedMs,
    int Polls)
{
    public double StartToActiveMs => StartToReadyMs + ReadyToActiveMs;

    /// <summary>The reconcile's own work: the report's duration less its libvirt listing.</summary>
    public double ReconcileExcludingInventoryMs => ReconcileTotalMs - InventoryMs;

    public double BlackoutMs => SealAfterLastAckMs + StartToActiveMs + ReclaimAllMs;
}
