namespace LiveUpdate.Service.Inventory;

/// <summary>A domain's run state: libvirt's virDomainState, value for value (a newer libvirt may answer a value not named here).</summary>
internal enum DomainRunState
{
    /// <summary>VIR_DOMAIN_NOSTATE.</summary>
    NoState = 0,

    /// <summary>VIR_DOMAIN_RUNNING.</summary>
    Running = 1,

    /// <summary>VIR_DOMAIN_BLOCKED: blocked on a resource.</summary>
    Blocked = 2,

    /// <summary>VIR_DOMAIN_PAUSED: paused by a user or by libvirt (a live update pauses guests).</summary>
    Paused = 3,

    /// <summary>VIR_DOMAIN_SHUTDOWN: being shut down.</summary>
    Shutdown = 4,

    /// <summary>VIR_DOMAIN_SHUTOFF: defined, not running.</summary>
    Shutoff = 5,

    /// <summary>VIR_DOMAIN_CRASHED.</summary>
    Crashed = 6,

    /// <summary>VIR_DOMAIN_PMSUSPENDED: suspended by guest power management.</summary>
    PmSuspended = 7,
}
