using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks.Harness;

/// <summary>
/// Runs a clean-up when the process is asked to end: at normal exit (<see cref="AppDomain.ProcessExit"/>) and on
/// SIGINT, SIGTERM and SIGQUIT. Since .NET 10 the runtime no longer turns SIGTERM into ProcessExit (the process just
/// ends), so the signals are registered directly; the handler runs, then the signal's default action ends the process.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    private readonly Action _cleanup;
    private readonly EventHandler _onExit;
    private readonly PosixSignalRegistration[] _registrations;

    private TerminationSignals(Action cleanup)
    {
        _cleanup = cleanup;
        _onExit = (_, _) => _cleanup();
        AppDomain.CurrentDomain.ProcessExit += _onExit;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => _cleanup()),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => _cleanup()),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, _ => _cleanup()),
        ];
    }

    /// <summary>Runs <paramref name="cleanup"/> (which must be safe to run twice, from any thread) when the process is ended.</summary>
    public static TerminationSignals OnTermination(Action cleanup) => new(cleanup);

    /// <summary>Stops watching; the clean-up is not run.</summary>
    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
