using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using LiveUpdate.Client;
using LiveUpdate.Qemu.CommandLine;
using LiveUpdate.Qemu.Qemu;
using LiveUpdate.Qemu.Qmp;

namespace LiveUpdate.Qemu;

/// <summary>
/// One VM's supervisor (docs/design.md §12): registers as its VMM, prepares its files, runs QEMU on them (fresh, or resuming
/// the saved device state), answers the daemon's freeze and thaw, and shuts QEMU down on SIGTERM/SIGINT. Its exit
/// status is QEMU's.
/// </summary>
internal sealed partial class Supervisor : IAsyncDisposable
{
    /// <summary>
    /// How guest RAM is skipped when the device state is saved: the migration capability x-ignore-shared. Measured with
    /// QEMU 10.0.2 under TCG (client/LiveUpdate.Qemu/README.md): x-ignore-shared saves ~290 KB in a few ms whatever
    /// the RAM size (128 MiB and 1 GiB alike); mode cpr-reboot alone copies the guest's RAM into the state (36 MB and
    /// 2.8–5.2 s for a 1 GiB guest with 32 MiB in use), and with x-ignore-shared added it is the same as x-ignore-shared
    /// alone. Its extras (VFIO with a suspended guest) are not something this supervisor can offer, so x-ignore-shared
    /// alone, on both sides.
    /// </summary>
    private static readonly JsonObject s_capabilities = new()
    {
        ["capabilities"] = new JsonArray(
            new JsonObject { ["capability"] = "x-ignore-shared", ["state"] = true },
            new JsonObject { ["capability"] = "events", ["state"] = true }),
    };

    private readonly SupervisorOptions _options;
    private readonly SupervisorLog _log;
    private readonly LiveUpdateClient _client;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly TaskCompletionSource<PosixSignal> _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private RuntimeDirectory? _runtime;
    private VmmSession? _session;
    private QemuProcess? _qemu;
    private QmpClient? _qmp;

    public Supervisor(SupervisorOptions options, TextWriter log)
    {
        _options = options;
        _log = new SupervisorLog(options.Vm, log);
        var clientOptions = new LiveUpdateClientOptions { MaxAttempts = 1000, RetryTimeout = TimeSpan.FromSeconds(60) };
        if (options.SocketDirectory is { } directory)
        {
            clientOptions.SocketDirectory = directory;
        }

        _client = new LiveUpdateClient(clientOptions);
    }

    /// <summary>Runs the VM to its end; returns QEMU's exit status (or <see cref="ExitCodes.Refused"/> when nothing was started).</summary>
    public async Task<int> RunAsync()
    {
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        Prepared prepared;
        long starting;
        try
        {
            RequireExecutable(_options.QemuBinary);
            _runtime = RuntimeDirectory.Acquire(_options.Vm, Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY"),
                Path.GetDirectoryName(_client.GrpcSocketPath)!);
            _session = await RegisterAsync(_stopping.Token).ConfigureAwait(false);
            prepared = await PrepareAsync().ConfigureAwait(false);
            starting = Stopwatch.GetTimestamp();
            _qemu = await QemuProcess.StartAsync(_options.QemuBinary, QemuArguments(prepared)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RefusedException or LiveUpdateException)
        {
            _log.Line(Explain(e) + "; nothing started");
            return ExitCodes.Refused;
        }
        catch (OperationCanceledException) when (_shutdown.Task.IsCompleted)
        {
            _log.Line("stopped by a signal; nothing started");
            return ExitCodes.Refused;
        }

        _log.Line($"QEMU started, pid {_qemu.Pid}");
        try
        {
            _qmp = await QmpClient.ConnectWhenListeningAsync(_runtime.QmpSocketPath, () => !_qemu.HasExited, _stopping.Token).ConfigureAwait(false);
            await _qmp.ExecuteAsync("migrate-set-capabilities", s_capabilities.DeepClone().AsObject()).ConfigureAwait(false);
            var started = Stopwatch.GetElapsedTime(starting);
            if (prepared.SavedState is not null)
            {
                await ResumeAsync(prepared.Reclaim, started).ConfigureAwait(false);
            }
            else
            {
                _log.StartedFresh(Stopwatch.GetElapsedTime(_started));
                // The device state is empty (else this would be a resume): writing it empty again changes nothing, and
                // compiles the streaming path now rather than during the first freeze, where it cost ~150 ms of pause.
                await ConsumeStateAsync(_stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is QmpException or LiveUpdateException or IOException or SocketException or TimeoutException
            || (e is OperationCanceledException && _qemu.HasExited))
        {
            if (!_qemu.HasExited)
            {
                _log.Line($"{e.Message}; stopping QEMU");
                await StopQemuAsync("the start failed", allowPowerdown: false).ConfigureAwait(false);
            }

            int status = await _qemu.Exited.ConfigureAwait(false);
            _log.Line($"QEMU exited with status {status} before the guest ran" + (e is OperationCanceledException ? string.Empty : $" ({e.Message})"));
            return status;
        }

        var events = Task.Run(() => FollowDaemonAsync(_stopping.Token));
        var ended = await Task.WhenAny(_qemu.Exited, _shutdown.Task).ConfigureAwait(false);
        if (ended == _shutdown.Task)
        {
            await StopQemuAsync(_shutdown.Task.Result.ToString(), allowPowerdown: true).ConfigureAwait(false);
        }

        int exit = await _qemu.Exited.ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await events.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _log.Line($"QEMU exited with status {exit}");
        return exit;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_qmp is not null)
        {
            await _qmp.DisposeAsync().ConfigureAwait(false);
        }

        _qemu?.Dispose();
        _session?.Dispose();
        _runtime?.Dispose();
        await _client.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>The caller's arguments plus the guest memory, the QMP socket and, to resume, -incoming defer.</summary>
    private List<string> QemuArguments(Prepared prepared)
    {
        List<string> arguments = [.. _options.QemuArguments, .. prepared.Memory.QemuArguments(QemuArgumentCheck.MemoryBackendId), "-qmp", $"unix:{_runtime!.QmpSocketPath},server=on,wait=off"];
        if (prepared.SavedState is not null)
        {
            arguments.AddRange(["-incoming", "defer"]);
        }

        return arguments;
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Handled here: the supervisor shuts QEMU down before it exits.
        context.Cancel = true;
        if (_shutdown.TrySetResult(context.Signal) && _qemu is null)
        {
            _stopping.Cancel();
        }
    }

    /// <summary>A refusal's one line; a daemon that cannot be reached says where it was looked for and what to check.</summary>
    private string Explain(Exception e) => e switch
    {
        LiveUpdateException { StatusCode: Grpc.Core.StatusCode.Unavailable } when !File.Exists(_client.GrpcSocketPath) =>
            $"cannot reach the daemon: no socket {_client.GrpcSocketPath}; is liveupdated running? (systemctl status liveupdate; or pass --socket-dir DIR)",
        LiveUpdateException { StatusCode: Grpc.Core.StatusCode.Unavailable } =>
            $"cannot reach the daemon at {_client.GrpcSocketPath} ({e.Message}); it may be starting or reconciling: try again in a moment",
        _ => e.Message,
    };

    private static void RequireExecutable(string binary)
    {
        bool found = binary.Contains('/', StringComparison.Ordinal)
            ? File.Exists(binary)
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, binary)));
        if (!found)
        {
            throw new RefusedException($"{binary}: no such QEMU binary");
        }
    }
}
