using System.Diagnostics;
using System.Globalization;

namespace LiveUpdate.Benchmarks.Vm;

/// <summary>
/// One VM of a round: a tickguest run by <c>liveupdate-qemu</c>, with the same command line at every start (the fresh
/// start, and the resume after the kexec): <c>--vm UUID --name NAME --memory SIZE --socket-dir DIR -- qemu-system-x86_64
/// …</c>. Its serial log is a file next to the round's region. Disposing kills its supervisor and QEMU.
/// </summary>
internal sealed class GuestVm : IDisposable
{
    private readonly string[] _arguments;

    public GuestVm(int index, ulong memoryBytes, string directory, string socketDirectory, TickGuest guest)
    {
        Name = string.Create(CultureInfo.InvariantCulture, $"vm-{index}");
        MemoryBytes = memoryBytes;
        Serial = new SerialLog(Path.Combine(directory, Name + ".serial"));
        RuntimeDirectory = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"q{index}"));
        _arguments =
        [
            "--vm", Uuid.ToString(), "--name", Name, "--memory", string.Create(CultureInfo.InvariantCulture, $"{memoryBytes >> 20}MiB"),
            "--socket-dir", socketDirectory, "--", .. guest.QemuCommand(Serial.Path),
        ];
    }

    public Guid Uuid { get; } = Guid.NewGuid();

    public string Name { get; }

    public ulong MemoryBytes { get; }

    public SerialLog Serial { get; }

    /// <summary>
    /// The supervisor's RUNTIME_DIRECTORY (its lock, QEMU's QMP socket), short: the default, a directory named after the
    /// UUID in the socket directory, would not fit a Unix socket path below the scratch directory.
    /// </summary>
    public string RuntimeDirectory { get; }

    /// <summary>The supervisor of the moment (null before the first start).</summary>
    public SupervisorProcess? Supervisor { get; private set; }

    /// <summary>Starts <c>liveupdate-qemu</c> with this VM's arguments; a previous run must have been killed.</summary>
    public SupervisorProcess Start()
    {
        if (Supervisor is { HasExited: false })
        {
            throw new InvalidOperationException($"{Name}'s supervisor is still running");
        }

        Supervisor?.Dispose();
        Directory.CreateDirectory(RuntimeDirectory);
        Supervisor = SupervisorProcess.Start(_arguments, RuntimeDirectory);
        return Supervisor;
    }

    /// <summary>
    /// A fresh start: the supervisor's "started fresh" line, then the guest's first TICK (the milliseconds from the
    /// supervisor's start to the TICK's arrival in the serial log).
    /// </summary>
    public async Task<(SupervisorLogLines.Started Started, double StartToTickMs)> BootedAsync(TimeSpan timeout)
    {
        var supervisor = Running();
        var (_, started) = await supervisor.WaitForLineAsync(line => SupervisorLogLines.StartedFresh(line, Uuid), "'started fresh' line", timeout).ConfigureAwait(false);
        var (seen, _) = await Serial.NextTickAsync(0, timeout, () => supervisor.HasExited ? supervisor.Failed("exited") : null).ConfigureAwait(false);
        return (started, Stopwatch.GetElapsedTime(supervisor.StartedTimestamp, seen).TotalMilliseconds);
    }

    /// <summary>The supervisor's "frozen in" line: it stopped QEMU, saved the device state and acked.</summary>
    public async Task<SupervisorLogLines.Frozen> FrozenAsync(TimeSpan timeout) =>
        (await Running().WaitForLineAsync(line => SupervisorLogLines.FrozenIn(line, Uuid), "'frozen in' line", timeout).ConfigureAwait(false)).Value;

    /// <summary>
    /// After the restart: the supervisor's "resumed in" line, and from outside the milliseconds from its start to the
    /// guest's next TICK after byte <paramref name="offset"/> of the serial log, which must continue
    /// <paramref name="before"/> (same boot id, a higher count): the guest resumed, it did not boot again.
    /// </summary>
    public async Task<(SupervisorLogLines.Resumed Resumed, double StartToTickMs)> ResumedAsync(long offset, SerialLog.Tick before, TimeSpan timeout)
    {
        var supervisor = Running();
        var (seen, tick) = await Serial.NextTickAsync(offset, timeout, () => supervisor.HasExited ? supervisor.Failed("exited") : null).ConfigureAwait(false);
        if (tick.BootId != before.BootId || tick.Count <= before.Count)
        {
            throw supervisor.Failed($"restarted {Name}, whose guest printed TICK {tick.Count} boot={tick.BootId} after TICK {before.Count} boot={before.BootId}: it booted again instead of resuming");
        }

        var (_, resumed) = await supervisor.WaitForLineAsync(line => SupervisorLogLines.ResumedIn(line, Uuid), "'resumed in' line", timeout).ConfigureAwait(false);
        return (resumed, Stopwatch.GetElapsedTime(supervisor.StartedTimestamp, seen).TotalMilliseconds);
    }

    /// <summary>SIGKILL to the supervisor and its QEMU at once.</summary>
    public void Kill() => Supervisor?.Kill();

    public void Dispose()
    {
        Supervisor?.Dispose();
        Supervisor = null;
    }

    private SupervisorProcess Running() => Supervisor ?? throw new InvalidOperationException($"{Name} was not started");
}
