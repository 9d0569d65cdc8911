using System.Diagnostics;
using LiveUpdate.Benchmarks.Harness;

namespace LiveUpdate.Benchmarks.Vm;

/// <summary>
/// One run of <c>liveupdate-qemu</c> as a child process, in a process group of its own (started through
/// <c>setsid</c>, which execs it with the same pid), so that <see cref="Kill"/> ends it and the QEMU it started at once
/// with one SIGKILL, as a kexec ends both. Its output is read line by line, each line stamped on arrival.
/// <see cref="Dispose"/> kills a group still running (also when this process is ended: exit, SIGINT, SIGTERM), so no
/// supervisor or QEMU outlives the benchmark.
/// </summary>
internal sealed class SupervisorProcess : IDisposable
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan s_killWait = TimeSpan.FromSeconds(5);
    private static readonly string[] s_inheritedVariables = ["LIVEUPDATE_SOCKET_DIR", "RUNTIME_DIRECTORY", "NOTIFY_SOCKET"];

    private readonly Process _process;
    private readonly TimestampedLines _lines = new();
    private readonly TerminationSignals _termination;
    private bool _disposed;

    private SupervisorProcess(IReadOnlyList<string> arguments, string runtimeDirectory)
    {
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in SupervisorBinary.Command.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in s_inheritedVariables)
        {
            start.Environment.Remove(name);
        }

        start.Environment["RUNTIME_DIRECTORY"] = runtimeDirectory;

        _process = new Process { StartInfo = start };
        _lines.Capture(_process);
        _termination = TerminationSignals.OnTermination(KillGroup);
    }

    /// <summary>Stopwatch timestamp taken just before the process was started.</summary>
    public long StartedTimestamp { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <c>liveupdate-qemu ARGUMENTS</c> without waiting for anything, with <paramref name="runtimeDirectory"/> as its
    /// <c>RUNTIME_DIRECTORY</c> (as systemd's RuntimeDirectory= gives it): its lock and QEMU's QMP socket go there.
    /// </summary>
    public static SupervisorProcess Start(IReadOnlyList<string> arguments, string runtimeDirectory)
    {
        var supervisor = new SupervisorProcess(arguments, runtimeDirectory);
        try
        {
            supervisor.StartedTimestamp = Stopwatch.GetTimestamp();
            supervisor._process.Start();
            supervisor._process.BeginOutputReadLine();
            supervisor._process.BeginErrorReadLine();
        }
        catch
        {
            supervisor.Dispose();
            throw;
        }

        return supervisor;
    }

    /// <summary>
    /// Waits for the first line <paramref name="read"/> gives a value for (<paramref name="what"/> names it in errors) and
    /// returns it with its arrival timestamp; throws with the supervisor's output when it exits or times out first.
    /// </summary>
    public async Task<(long Timestamp, T Value)> WaitForLineAsync<T>(Func<string, T?> read, string what, TimeSpan timeout)
        where T : class
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (_lines.First(read) is { } found)
            {
                return found;
            }

            if (_process.HasExited)
            {
                _process.WaitForExit(); // drains the output readers: the line may have come last
                return _lines.First(read) ?? throw Failed($"exited with code {_process.ExitCode} before {what}");
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw Failed($"logged no {what} within {timeout.TotalSeconds:F0} s");
            }

            await Task.Delay(s_poll).ConfigureAwait(false);
        }
    }

    /// <summary>SIGKILL to the supervisor and its QEMU at once, as a kexec ends them; waits until both are gone.</summary>
    public void Kill() => KillGroup();

    /// <summary>An exception naming what went wrong, with the supervisor's last output (QEMU's included).</summary>
    public InvalidOperationException Failed(string what) =>
        new($"liveupdate-qemu (pid {_process.Id}) {what}; its last output:\n{_lines.Tail(20)}");

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _termination.Dispose();
        KillGroup();
        _process.Dispose();
    }

    private void KillGroup()
    {
        int group;
        try
        {
            group = _process.Id;
        }
        catch (InvalidOperationException)
        {
            return; // never started
        }

        // The group outlives the supervisor when QEMU is still running: signal it even when the supervisor has exited.
        if (UnixSignals.Kill(-group, 0))
        {
            // QEMU, killed with its supervisor, is reaped by init: its CPU time would count as another process's.
            var qemuCpu = Daemon.ProcessCpu.GroupMembersSeconds(group);
            UnixSignals.Kill(-group, UnixSignals.SIGKILL);
            MachineLoad.CountAsOwn(qemuCpu);
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.WaitForExit(s_killWait);
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }

        // QEMU is not our child: it is gone when the group is (init reaps it).
        var deadline = Stopwatch.GetTimestamp() + (long)(s_killWait.TotalSeconds * Stopwatch.Frequency);
        while (UnixSignals.Kill(-group, 0) && Stopwatch.GetTimestamp() < deadline)
        {
            Thread.Sleep(1);
        }
    }
}
