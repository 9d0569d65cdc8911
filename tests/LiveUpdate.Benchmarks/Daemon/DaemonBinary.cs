using System.Reflection;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// Where the daemon's build output is: <c>service/LiveUpdate.Service/bin/CONFIGURATION/net10.0/liveupdated.dll</c>, or the
/// dll named by <c>LU_BENCH_DAEMON</c> (e.g. a ReadyToRun publish, as installed on a host).
/// </summary>
internal static class DaemonBinary
{
    /// <summary>The daemon's dll, found from this assembly's location and build configuration; throws when it is not built.</summary>
    public static string Path { get; } = Locate();

    /// <summary>The environment variable that points the benchmarks at another build of the daemon.</summary>
    public const string OverrideVariable = "LU_BENCH_DAEMON";

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 } chosen)
        {
            return File.Exists(chosen) ? System.IO.Path.GetFullPath(chosen) : throw new InvalidOperationException($"{OverrideVariable}={chosen} does not exist");
        }

        var configuration = typeof(DaemonBinary).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "LiveUpdate.sln")))
            {
                var dll = System.IO.Path.Combine(directory.FullName, "service", "LiveUpdate.Service", "bin", configuration, "net10.0", "liveupdated.dll");
                return File.Exists(dll)
                    ? dll
                    : throw new InvalidOperationException($"{dll} does not exist: build the solution (dotnet build LiveUpdate.sln -c {configuration}) first");
            }
        }

        throw new InvalidOperationException("LiveUpdate.sln not found above " + AppContext.BaseDirectory);
    }
}
