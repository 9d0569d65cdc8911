namespace LiveUpdate.Service.Lifecycle;

/// <summary>Where a freeze is.</summary>
internal enum FreezePhase
{
    /// <summary>New mutations refused; waiting for in-flight ones to finish.</summary>
    Draining = 1,

    /// <summary>PREPARE_FOR_UPDATE sent; waiting for every VMM's ack.</summary>
    WaitingForAcks = 2,

    /// <summary>Sealed: FROZEN, the host may kexec.</summary>
    Frozen = 3,

    /// <summary>Abandoned: back to ACTIVE, THAWED sent.</summary>
    Aborted = 4,
}
