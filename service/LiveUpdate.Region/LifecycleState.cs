namespace LiveUpdate.Region;

/// <summary>The live-update state machine, kept in the superblock. Values are stored in the region.</summary>
public enum LifecycleState : uint
{
    /// <summary>Normal operation.</summary>
    Active = 1,
    /// <summary>A freeze barrier is running.</summary>
    Freezing = 2,
    /// <summary>Sealed for a kexec.</summary>
    Frozen = 3,
    /// <summary>Re-attached after a boot, being checked and reconciled.</summary>
    Reconciling = 4,
}
