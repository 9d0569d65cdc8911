using System.Diagnostics;

namespace LiveUpdate.Service.Tests;

/// <summary>Runs a python3 snippet (the non-C# peer of docs/design.md §6: socket.recv_fds + mmap) and returns its stdout.</summary>
internal static class Python
{
    /// <summary>
    /// Debian's python3 (3.11: socket.recv_fds), which every uid can run; "python3" from PATH only where it is missing
    /// (a PATH may lead to a pyenv shim under /root first).
    /// </summary>
    public static string Interpreter { get; } = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static async Task<string> RunAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
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
