using LiveUpdate.Region;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>What one reconcile found and did (docs/design.md §7); the API sends it as liveupdate.v1.ReconcileReport.</summary>
internal sealed class ReconcileReport
{
    /// <summary>A dry run: nothing was changed.</summary>
    public bool DryRun { get; init; }

    /// <summary>The boot before this one ended in a kexec the daemon had prepared.</summary>
    public bool KexecDetected { get; init; }

    /// <summary>Why this reconcile ran.</summary>
    public ReconcileCause Cause { get; init; }

    /// <summary>The boot id recorded before this boot.</summary>
    public Guid PreviousBootId { get; init; }

    /// <summary>This boot's id.</summary>
    public Guid CurrentBootId { get; init; }

    /// <summary>Journal transactions replayed at attach.</summary>
    public int JournalTransactionsReplayed { get; init; }

    /// <summary>The inventory the verdicts were judged against, as an operator reads it.</summary>
    public string Inventory { get; init; } = string.Empty;

    /// <summary>The verdicts, one per VM.</summary>
    public List<VmVerdict> Vms { get; } = [];

    /// <summary>VMs judged RESUMABLE.</summary>
    public uint Resumable { get; set; }

    /// <summary>VMs judged ORPHANED.</summary>
    public uint Orphaned { get; set; }

    /// <summary>VMs judged MISSING.</summary>
    public uint Missing { get; set; }

    /// <summary>Problems the region check found (none repaired): while there are any, nothing is moved.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Warnings for the operator (attach, boot, inventory).</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>The whole reconcile's time, the check made at attach included when it was taken.</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>The time spent reading the inventory.</summary>
    public TimeSpan InventoryDuration { get; set; }

    /// <summary>The region check's time.</summary>
    public TimeSpan CheckDuration { get; set; }

    /// <summary>The check was the one attach made (see <see cref="Reconciler"/>).</summary>
    public bool CheckedAtAttach { get; set; }

    /// <summary>When it finished.</summary>
    public DateTimeOffset FinishedAt { get; set; }

    /// <summary>The lifecycle state it left.</summary>
    public LifecycleState State { get; set; }
}
