using System.Reflection;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Isolation;

/// <summary>Runs the real luctl (client/LiveUpdate.Cli's build output, <c>dotnet luctl.dll</c>) against a test daemon.</summary>
internal static class Luctl
{
    private static readonly Lazy<string> s_dll = new(FindDll);

    /// <summary>Runs <c>luctl --socket-dir DIR ARGS…</c> as this process's uid and returns what it printed.</summary>
    public static Task<ChildResult> RunAsync(DaemonProcess daemon, params string[] args) =>
        ChildProcess.RunAsync("dotnet", [s_dll.Value, "--socket-dir", daemon.SocketDirectory, .. args],
            environment: new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
            timeout: TimeSpan.FromSeconds(60));

    private static string FindDll()
    {
        var configuration = typeof(Luctl).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
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
