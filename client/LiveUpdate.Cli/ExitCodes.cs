namespace LiveUpdate.Cli;

/// <summary>
/// luctl's exit codes, the contract scripts rely on (documented in <c>luctl --help</c> and README.md).
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>
    /// The operation failed: the daemon refused it (NOT_FOUND, ALREADY_EXISTS, RESOURCE_EXHAUSTED, PERMISSION_DENIED,
    /// DATA_LOSS, …), a freeze ended ABORTED, a check found problems it did not repair, or the daemon lacks the service.
    /// </summary>
    public const int Failed = 1;

    /// <summary>
    /// Usage: an unknown command or option, a missing or malformed argument (a size, an age, a UUID), or a value the
    /// daemon rejected as INVALID_ARGUMENT. Running it again unchanged cannot succeed.
    /// </summary>
    public const int Usage = 2;

    /// <summary>
    /// The daemon could not be reached: no socket, connection refused, or UNAVAILABLE (starting, attaching, reconciling)
    /// after a short retry; also a socket directory this user may not enter.
    /// </summary>
    public const int Unreachable = 3;

    /// <summary>
    /// Refused by state: FAILED_PRECONDITION (frozen for an update, directory not empty, DMA-mapped), or plan-kexec on a
    /// region that cannot survive a kexec.
    /// </summary>
    public const int Refused = 4;
}
