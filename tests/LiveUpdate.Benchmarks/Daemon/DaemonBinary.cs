using LiveUpdate.Benchmarks.Harness;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// The daemon the benchmarks measure: by default the one <c>deploy/install.sh</c> installs (self-contained, composite
/// ReadyToRun), installed once per run into the staging root <c>deploy/obj/bench-root</c>; or the build named by
/// <c>LU_BENCH_DAEMON</c> (an apphost, or a dll run with <c>dotnet</c>, e.g. the plain build output
/// <c>service/LiveUpdate.Service/bin/Release/net10.0/liveupdated.dll</c>).
/// </summary>
internal static class DaemonBinary
{
    private static readonly ChildProgram s_program = new("LU_BENCH_DAEMON", Install);

    /// <summary>The environment variable that points the benchmarks at another build of the daemon.</summary>
    public static string OverrideVariable => s_program.OverrideVariable;

    /// <summary>The daemon's apphost or dll; installs it on first use.</summary>
    public static string Path => s_program.Path;

    /// <summary>The command line that starts it (the apphost itself, or <c>dotnet</c> and the dll).</summary>
    public static IReadOnlyList<string> Command => s_program.Command;

    private static string Install()
    {
        var repo = RepositoryRoot.Path;
        var root = System.IO.Path.Combine(repo, "deploy", "obj", "bench-root");
        var install = System.IO.Path.Combine(repo, "deploy", "install.sh");
        Console.WriteLine($"installing the daemon as deploy/install.sh does, into {root} (a minute or two)");
        _ = ChildProgram.Run(install, "--prefix", root);
        var daemon = System.IO.Path.Combine(root, "usr", "lib", "liveupdate", "daemon", "liveupdated");
        return File.Exists(daemon) ? daemon : throw new InvalidOperationException($"{install} installed no {daemon}");
    }
}
