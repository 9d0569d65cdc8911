namespace LiveUpdate.Region;

/// <summary>Why a region is (or was last) reconciled, kept in the superblock beside the lifecycle state. Values are stored.</summary>
public enum ReconcileCause : uint
{
    /// <summary>Nothing recorded (a region formatted before the cause was kept).</summary>
    Unknown = 0,

    /// <summary>No reconcile pending: formatted, or restarted within one boot.</summary>
    None = 1,

    /// <summary>FROZEN and a new boot: a planned live update.</summary>
    PlannedUpdate = 2,

    /// <summary>ACTIVE or FREEZING and a new boot: the host rebooted without a sealed freeze.</summary>
    UnplannedReboot = 3,

    /// <summary>Asked for by an operator while ACTIVE.</summary>
    Operator = 4,
}
