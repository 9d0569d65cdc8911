namespace LiveUpdate.Qemu.CommandLine;

/// <summary>What the command line asked for (validated by <see cref="SupervisorCommandLine.Parse"/>).</summary>
/// <param name="Vm">--vm: the VM's UUID; its files are /vm/{uuid}/memory and /vm/{uuid}/device-state.</param>
/// <param name="Name">--name: the name it registers with (default: the UUID).</param>
/// <param name="MemoryBytes">--memory: the guest memory to create when /vm/{uuid}/memory is absent (a positive multiple of 2 MiB).</param>
/// <param name="SocketDirectory">--socket-dir: the daemon's socket directory (default: the client library's).</param>
/// <param name="ShutdownTimeout">--shutdown-timeout: how long SIGTERM waits for the guest to power down before QMP quit.</param>
/// <param name="QemuBinary">The QEMU to run (after --).</param>
/// <param name="QemuArguments">The caller's QEMU arguments, checked by <see cref="QemuArgumentCheck"/>.</param>
internal sealed record SupervisorOptions(
    Guid Vm,
    string Name,
    ulong? MemoryBytes,
    string? SocketDirectory,
    TimeSpan ShutdownTimeout,
    string QemuBinary,
    IReadOnlyList<string> QemuArguments)
{
    /// <summary>The default --shutdown-timeout.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The guest memory file.</summary>
    public string MemoryPath => $"/vm/{Vm:D}/memory";

    /// <summary>The device-state file.</summary>
    public string DeviceStatePath => $"/vm/{Vm:D}/device-state";
}
