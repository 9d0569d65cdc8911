using LiveUpdate.Benchmarks.Harness;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// The daemon the benchmarks measure: by default the one <c>deploy/install.sh</c> installs (self-contained, composite
/// ReadyToRun, see <see cref="BenchInstallation"/>); or the build named by
/// <c>LU_BENCH_DAEMON</c> (an apphost, or a dll run with <c>dotnet</c>, e.g. the plain build output
/// <c>service/LiveUpdate.Service/bin/Release/net10.0/liveupdated.dll</c>).
/// </summary>
internal static class DaemonBinary
{
    private static readonly ChildProgram s_program = new("LU_BENCH_DAEMON", () => BenchInstallation.Program("usr", "lib", "liveupdate", "daemon", "liveupdated"));

    /// <summary>The environment variable that points the benchmarks at another build of the daemon.</summary>
    public static string OverrideVariable => s_program.OverrideVariable;

    /// <summary>The daemon's apphost or dll; installs it on first use.</summary>
    public static string Path => s_program.Path;

    /// <summary>The command line that starts it (the apphost itself, or <c>dotnet</c> and the dll).</summary>
    public static IReadOnlyList<string> Command => s_program.Command;
}
