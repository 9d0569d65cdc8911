using System.Text.RegularExpressions;
using LiveUpdate.Deploy.Tests.Support;

namespace LiveUpdate.Libvirt.Tests;

/// <summary>liveupdate-libvirt as a process, its output collected (its lines go to stderr, the journal in production).</summary>
internal sealed class AgentProcess(LoggedProcess process) : IDisposable
{
    /// <summary>Everything it printed so far.</summary>
    public string Output => process.Log;

    /// <summary>Starts the agent on a libvirt URI and a daemon's socket directory, re-scanning every 500 ms.</summary>
    public static AgentProcess Start(string libvirtUri, string socketDirectory) =>
        new(LoggedProcess.Start([Programs.Agent, "--libvirt-uri", libvirtUri, "--socket-dir", socketDirectory, "--rescan-interval", "500ms"], new Dictionary<string, string>()));

    /// <summary>Waits (polling every 50 ms) for a line matching <paramref name="pattern"/>; fails after <paramref name="timeout"/> or when the agent exits.</summary>
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

            Assert.True(DateTime.UtcNow < deadline && !process.HasExited, $"no agent line /{pattern}/ (exited: {process.HasExited}):\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL, as the kexec ends it.</summary>
    public void Kill() => process.Kill();

    public void Dispose() => process.Dispose();
}
