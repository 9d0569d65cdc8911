namespace LiveUpdate.Qemu;

/// <summary>liveupdate-qemu's exit codes besides QEMU's own (docs/design.md §12; documented in --help and README.md).</summary>
internal static class ExitCodes
{
    /// <summary>--help, or QEMU exited 0.</summary>
    public const int Ok = 0;

    /// <summary>The supervisor failed after QEMU started and QEMU's status could not be had (or the daemon failed it before).</summary>
    public const int Failed = 1;

    /// <summary>Bad usage: an unknown or malformed option, or a QEMU argument that conflicts with what the supervisor adds. Nothing was created or started.</summary>
    public const int Usage = 2;

    /// <summary>A refusal before QEMU starts, in one line naming the file (wrong memory size, state of another instance, …).</summary>
    public const int Refused = 3;
}
