using LiveUpdate.Benchmarks.Harness;

namespace LiveUpdate.Benchmarks.Vm;

/// <summary>
/// The <c>liveupdate-qemu</c> the vm suite runs: the build made with the benchmark
/// (<c>client/LiveUpdate.Qemu/bin/CONFIGURATION/net10.0/liveupdate-qemu</c>, its apphost), or the one named by
/// <c>LU_BENCH_SUPERVISOR</c> (an apphost, or a dll run with <c>dotnet</c>).
/// </summary>
internal static class SupervisorBinary
{
    /// <summary>The environment variable that points the suite at another build of the supervisor.</summary>
    public const string OverrideVariable = "LU_BENCH_SUPERVISOR";

    private static readonly Lazy<string> s_path = new(Locate);

    public static string Path => s_path.Value;

    /// <summary>The command line that starts it.</summary>
    public static IReadOnlyList<string> Command => ChildProgram.CommandOf(Path);

    private static string Locate()
    {
        if (ChildProgram.FromVariable(OverrideVariable) is { } chosen)
        {
            return chosen;
        }

        var built = System.IO.Path.Combine(RepositoryRoot.Path, "client", "LiveUpdate.Qemu", "bin", RepositoryRoot.Configuration, "net10.0", "liveupdate-qemu");
        return File.Exists(built) ? built
            : File.Exists(built + ".dll") ? built + ".dll"
            : throw new InvalidOperationException($"{built} is not built (dotnet build -c {RepositoryRoot.Configuration} client/LiveUpdate.Qemu)");
    }
}
