using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace LiveUpdate.Libvirt.Tests;

/// <summary>liveupdate-libvirt as a process, its output captured (its lines go to stderr, the journal in production).</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private AgentProcess(Process process) => _process = process;

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

    /// <summary>Starts the agent on a libvirt URI and a daemon's socket directory, re-scanning every 500 ms.</summary>
    public static AgentProcess Start(string libvirtUri, string socketDirectory)
    {
        var start = new ProcessStartInfo(Programs.Agent)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--libvirt-uri", libvirtUri, "--socket-dir", socketDirectory, "--rescan-interval", "500ms" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        var agent = new AgentProcess(process);
        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>Waits (polling every 50 ms) for a line matching <paramref name="pattern"/>; fails after <paramref name="timeout"/>.</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan? timeout = null)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var match = regex.Match(Output);
            if (match.Success)
            {
                return match;
            }

            Assert.True(DateTime.UtcNow < deadline && !_process.HasExited, $"no agent line /{pattern}/ (exited: {_process.HasExited}):\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL, as the kexec ends it.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
