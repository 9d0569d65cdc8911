using LiveUpdate.Client;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Qemu.Tests.RealQemu;

/// <summary>One tickguest VM of a test daemon: its UUID, its serial file, and liveupdate-qemu's arguments for it.</summary>
internal sealed class TestVm(DaemonProcess daemon, string name, ulong memoryMiB = 64) : IDisposable
{
    public Guid Uuid { get; } = Guid.NewGuid();

    public SerialLog Serial { get; } = new(Path.Combine(daemon.Directory, $"{name}.serial"));

    public string MemoryPath => $"/vm/{Uuid:D}/memory";

    public string DeviceStatePath => $"/vm/{Uuid:D}/device-state";

    /// <summary>liveupdate-qemu's whole command line for this VM (--memory of the VM's size, or <paramref name="memoryMiBOverride"/> MiB).</summary>
    public IEnumerable<string> Arguments(ulong? memoryMiBOverride = null) =>
    [
        "--vm", Uuid.ToString("D"), "--name", name, "--memory", $"{memoryMiBOverride ?? memoryMiB}M", "--socket-dir", daemon.SocketDirectory,
        "--shutdown-timeout", "1s", "--", TickGuest.Qemu, "-machine", "q35", "-accel", "tcg", "-smp", "1", "-nodefaults", "-display", "none",
        "-no-reboot", "-serial", "file:" + Serial.Path, "-kernel", TickGuest.Kernel,
    ];

    /// <summary>
    /// The supervisor's $RUNTIME_DIRECTORY, as systemd would give it: short, because the test daemon's socket directory
    /// (under a long temporary directory) would put the QMP socket past the 107 bytes a Unix socket path may have.
    /// </summary>
    public string RuntimeDirectory { get; } = Directory.CreateTempSubdirectory("luq-").FullName;

    public SupervisorProcess Start() => SupervisorProcess.Start(Arguments(), RuntimeDirectory);

    /// <summary>Runs the supervisor to its end with <paramref name="arguments"/>.</summary>
    public Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments) => SupervisorProcess.RunAsync(arguments, RuntimeDirectory);

    /// <summary>A client of the daemon that finds a restarted daemon quickly.</summary>
    public static LiveUpdateClient Client(DaemonProcess daemon) => new(new LiveUpdateClientOptions
    {
        SocketDirectory = daemon.SocketDirectory,
        MaxAttempts = 100,
        RetryMaxDelay = TimeSpan.FromMilliseconds(250),
        RetryTimeout = TimeSpan.FromSeconds(60),
    });

    /// <summary>Removes the runtime directory.</summary>
    public void Dispose() => Directory.Delete(RuntimeDirectory, recursive: true);
}
