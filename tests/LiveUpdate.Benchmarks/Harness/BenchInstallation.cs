namespace LiveUpdate.Benchmarks.Harness;

/// <summary>
/// The programs a host runs, as <c>deploy/install.sh</c> installs them (the daemon self-contained and composite
/// ReadyToRun, luctl and liveupdate-qemu ReadyToRun): installed once per benchmark run into the staging root
/// <c>deploy/obj/bench-root</c>, on first use, so that the suites measure what an update really starts.
/// </summary>
internal static class BenchInstallation
{
    private static readonly Lazy<string> s_root = new(Install);

    /// <summary>An installed program's path under the staging root, e.g. <c>usr/lib/liveupdate/daemon/liveupdated</c>.</summary>
    public static string Program(params string[] relativePath)
    {
        var path = Path.Combine([s_root.Value, .. relativePath]);
        return File.Exists(path) ? path : throw new InvalidOperationException($"deploy/install.sh installed no {path}");
    }

    private static string Install()
    {
        var repo = RepositoryRoot.Path;
        var root = Path.Combine(repo, "deploy", "obj", "bench-root");
        Console.WriteLine($"installing as deploy/install.sh does, into {root} (a minute or two)");
        _ = ChildProgram.Run(Path.Combine(repo, "deploy", "install.sh"), "--prefix", root);
        return root;
    }
}
