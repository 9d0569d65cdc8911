using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace LiveUpdate.Cli.Tests.Infrastructure;

/// <summary>Runs the real luctl (<c>dotnet luctl.dll</c>, client/LiveUpdate.Cli's build output) as a child process.</summary>
public static class LuctlProcess
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<string> s_dll = new(FindDll);

    /// <summary>The built luctl.dll.</summary>
    public static string Dll => s_dll.Value;

    /// <summary>Runs luctl with <paramref name="arguments"/> and waits for it to exit.</summary>
    public static async Task<LuctlResult> RunAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        var stopwatch = Stopwatch.StartNew();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"luctl {string.Join(' ', arguments)} did not exit within {s_timeout.TotalSeconds} s");
        }

        return new LuctlResult(arguments, process.ExitCode, await stdout, await stderr, stopwatch.Elapsed);
    }

    /// <summary>Starts luctl with redirected output, for a test that reads it as it comes (the caller owns the process).</summary>
    public static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment.Remove("LIVEUPDATE_SOCKET_DIR");
        return Process.Start(start)!;
    }

    private static string FindDll()
    {
        var configuration = typeof(LuctlProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LiveUpdate.sln")))
            {
                var dll = Path.Combine(dir.FullName, "client", "LiveUpdate.Cli", "bin", configuration, "net10.0", "luctl.dll");
                return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is not built");
            }
        }

        throw new InvalidOperationException("LiveUpdate.sln not found above " + AppContext.BaseDirectory);
    }
}
