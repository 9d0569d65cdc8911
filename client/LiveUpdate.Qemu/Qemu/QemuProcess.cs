using System.ComponentModel;
using System.Diagnostics;

namespace LiveUpdate.Qemu.Qemu;

/// <summary>
/// The QEMU child. It is started through util-linux's <c>setpriv --pdeathsig TERM</c>, which sets PR_SET_PDEATHSIG and
/// execs QEMU (same pid): if the supervisor dies, even by SIGKILL, the kernel sends QEMU SIGTERM, and QEMU quits
/// cleanly instead of running on with nobody to carry its VM across an update. The parent-death signal follows the
/// thread that forked, so the fork happens on a dedicated thread that lives until QEMU exits. QEMU inherits stdin,
/// stdout and stderr.
/// </summary>
internal sealed class QemuProcess : IDisposable
{
    private readonly Process _process;

    private QemuProcess(Process process, Task<int> exited)
    {
        _process = process;
        Exited = exited;
    }

    /// <summary>QEMU's pid.</summary>
    public int Pid => _process.Id;

    /// <summary>QEMU's exit status when it ends: its exit code, or 128+N when signal N killed it (as a shell reports it).</summary>
    public Task<int> Exited { get; }

    /// <summary>Whether QEMU has exited.</summary>
    public bool HasExited => Exited.IsCompleted;

    /// <summary>Starts <paramref name="binary"/> with <paramref name="arguments"/>; throws <see cref="RefusedException"/> when it cannot be started.</summary>
    public static Task<QemuProcess> StartAsync(string binary, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("setpriv") { UseShellExecute = false };
        foreach (var argument in (string[])["--pdeathsig", "TERM", "--", binary, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var started = new TaskCompletionSource<QemuProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var parent = new Thread(() =>
        {
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (Win32Exception e)
            {
                started.SetException(new RefusedException($"{binary}: cannot start it through setpriv (util-linux): {e.Message}"));
                return;
            }

            started.SetResult(new QemuProcess(process, exited.Task));
            process.WaitForExit();
            exited.SetResult(process.ExitCode);
        })
        {
            IsBackground = true,
            Name = "QEMU parent",
        };
        parent.Start();
        return started.Task;
    }

    /// <summary>SIGKILL.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _process.Dispose();
}
