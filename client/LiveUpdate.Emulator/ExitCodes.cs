namespace LiveUpdate.Emulator;

/// <summary>
/// liveupdate-emulator's exit codes (README.md). On success it never exits: it becomes QEMU (execv), whose status libvirt
/// then sees.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The QMP proxy ended because QEMU closed the monitor.</summary>
    public const int Ok = 0;

    /// <summary>A refusal (one line on stderr, which libvirt shows), or QEMU could not be executed, or the proxy failed.</summary>
    public const int Refused = 1;

    /// <summary>Bad configuration or usage (emulator.conf, the proxy's own arguments).</summary>
    public const int Usage = 2;
}
