namespace LiveUpdate.Service.Errors;

/// <summary>What went wrong in a domain component, as the API maps it to a status code (Api/DaemonErrorMapping).</summary>
internal enum DaemonError
{
    /// <summary>The daemon cannot serve this now (starting, stopping, reconciling): retry.</summary>
    NotReady,

    /// <summary>The lifecycle state (or a running freeze) does not allow it.</summary>
    WrongState,

    /// <summary>The caller may not do it.</summary>
    Denied,

    /// <summary>The caller presented no identity the daemon can check.</summary>
    Unauthenticated,

    /// <summary>A limit was reached.</summary>
    Exhausted,
}
