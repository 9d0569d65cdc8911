using System.Diagnostics;
using System.Text;

namespace LiveUpdate.Deploy.Tests.Support;

/// <summary>A long-running program whose stdout and stderr are collected into one log while it runs.</summary>
internal sealed class LoggedProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private LoggedProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Everything it printed so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code (once exited).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="command"/> (program and arguments, no shell) with <paramref name="environment"/> added.</summary>
    public static LoggedProcess Start(IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var logged = new LoggedProcess(Process.Start(start) ?? throw new InvalidOperationException($"cannot start {command[0]}"));
        logged._process.StandardInput.Close();
        logged._process.OutputDataReceived += (_, e) => logged.Append(e.Data);
        logged._process.ErrorDataReceived += (_, e) => logged.Append(e.Data);
        logged._process.BeginOutputReadLine();
        logged._process.BeginErrorReadLine();
        return logged;
    }

    /// <summary>Waits until the log holds <paramref name="text"/>; false on timeout or when it exits first.</summary>
    public async Task<bool> WaitForAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Log.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (_process.HasExited)
            {
                return Log.Contains(text, StringComparison.Ordinal);
            }

            await Task.Delay(100);
        }

        return false;
    }

    /// <summary>Waits for it to exit; false when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Sends it a signal by name (TERM, INT, …), as kill(1) does.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("/bin/kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Kills it and everything it started, if it still runs, and waits for it.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
