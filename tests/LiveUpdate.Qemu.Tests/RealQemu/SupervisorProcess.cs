using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LiveUpdate.Qemu.Tests.RealQemu;

/// <summary>liveupdate-qemu as a real process (<c>dotnet liveupdate-qemu.dll …</c> from the test output), its stderr kept line by line.</summary>
internal sealed class SupervisorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int? _qemuPid;

    private SupervisorProcess(IEnumerable<string> arguments, string? runtimeDirectory)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "liveupdate-qemu.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("LIVEUPDATE_SOCKET_DIR");
        start.Environment.Remove("RUNTIME_DIRECTORY");
        if (runtimeDirectory is not null)
        {
            start.Environment["RUNTIME_DIRECTORY"] = runtimeDirectory;
        }

        _process = new Process { StartInfo = start };
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>Everything it printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int Pid => _process.Id;

    /// <summary>QEMU's pid, from the supervisor's "QEMU started, pid N" line (waited for).</summary>
    public async Task<int> QemuPidAsync()
    {
        _qemuPid ??= int.Parse((await WaitForLineAsync(@"QEMU started, pid (\d+)")).Groups[1].Value, CultureInfo.InvariantCulture);
        return _qemuPid.Value;
    }

    /// <summary>Starts it; with <paramref name="runtimeDirectory"/> as $RUNTIME_DIRECTORY (as systemd gives it), else without.</summary>
    public static SupervisorProcess Start(IEnumerable<string> arguments, string? runtimeDirectory = null) => new(arguments, runtimeDirectory);

    /// <summary>Runs it to its end (at most 60 s); returns the exit code.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, string? runtimeDirectory = null)
    {
        await using var process = new SupervisorProcess(arguments, runtimeDirectory);
        int code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, process.Output);
    }

    /// <summary>Waits for a line matching <paramref name="pattern"/>; fails when it exits first or after <paramref name="timeout"/>.</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan? timeout = null)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            bool exited = _process.HasExited;
            var match = regex.Match(Output);
            if (match.Success)
            {
                return match;
            }

            if (exited)
            {
                Assert.Fail($"liveupdate-qemu exited ({_process.ExitCode}) without a line /{pattern}/:\n{Output}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"no line /{pattern}/ from liveupdate-qemu:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>Sends <paramref name="signal"/> (TERM, INT, KILL) to the supervisor.</summary>
    public Task SignalAsync(string signal) => Signal(_process.Id, signal);

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/> with kill(1).</summary>
    public static async Task Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"liveupdate-qemu did not exit within {timeout.TotalSeconds} s:\n{Output}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            if (_qemuPid is { } qemu)
            {
                await Signal(qemu, "KILL");
            }

            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
