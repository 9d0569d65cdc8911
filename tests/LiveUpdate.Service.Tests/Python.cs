using System.Diagnostics;

namespace LiveUpdate.Service.Tests;

/// <summary>Runs a python3 snippet (the non-C# peer of DESIGN §6: socket.recv_fds + mmap) and returns its stdout.</summary>
internal static class Python
{
    public static async Task<string> RunAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"python3 failed ({process.ExitCode}): {await stderr}");
        return (await stdout).Trim();
    }
}
