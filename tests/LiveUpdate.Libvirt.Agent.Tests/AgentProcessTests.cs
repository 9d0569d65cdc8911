using System.Diagnostics;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Libvirt.Agent.Tests;

/// <summary>
/// liveupdate-libvirt run as the service runs it: its usage, its exit codes, and a clean stop on SIGTERM. libvirt's
/// in-process test driver stands in for libvirtd here; tests/LiveUpdate.Libvirt.Tests runs the agent against a real one.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class AgentProcessTests
{
    private const string TestDriverUri = "test:///default";

    private static string AgentDll => Path.Combine(AppContext.BaseDirectory, "liveupdate-libvirt.dll");

    [Fact(Timeout = 60_000)]
    public async Task Help_PrintsTheUsage_AndBadUsageExits2WithOneClearLine()
    {
        var help = await RunAsync("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("usage: liveupdate-libvirt --libvirt-uri URI", help.Stdout, StringComparison.Ordinal);

        var bad = await RunAsync("--socket-dir", "/tmp");
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("liveupdate-libvirt: --libvirt-uri URI is required", bad.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, bad.Stdout);
    }

    [RootFact(Timeout = 120_000)]
    public async Task Sigterm_StopsTheAgent_WithExit0()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { AgentDll, "--libvirt-uri", TestDriverUri, "--socket-dir", daemon.SocketDirectory, "--rescan-interval", "500ms" })
        {
            start.ArgumentList.Add(arg);
        }

        using var agent = Process.Start(start)!;
        var stderr = new System.Text.StringBuilder();
        var following = new TaskCompletionSource();
        agent.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            if (e.Data?.Contains("following the domains of " + TestDriverUri, StringComparison.Ordinal) == true)
            {
                following.TrySetResult();
            }
        };
        agent.BeginErrorReadLine();
        await following.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(1000); // a scan or two

        using (var kill = Process.Start("kill", ["-TERM", agent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await agent.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        string log;
        lock (stderr)
        {
            log = stderr.ToString();
        }

        Assert.True(agent.ExitCode == 0, log);
        Assert.Contains("liveupdate-libvirt: stopped", log, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot list the domains", log, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(AgentDll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
