using LiveUpdate.Benchmarks.Harness;

namespace LiveUpdate.Benchmarks.Vm;

/// <summary>
/// The <c>liveupdate-qemu</c> the vm suite runs: the build made with the benchmark
/// (<c>client/LiveUpdate.Qemu/bin/CONFIGURATION/net10.0/liveupdate-qemu</c>, its apphost), or the one named by
/// <c>LU_BENCH_SUPERVISOR</c> (an apphost, or a dll run with <c>dotnet</c>).
/// </summary>
internal static class SupervisorBinary
{
    private static readonly ChildProgram s_program = new("LU_BENCH_SUPERVISOR", Built);

    public static string Path => s_program.Path;

    /// <summary>The command line that starts it.</summary>
    public static IReadOnlyList<string> Command => s_program.Command;

    private static string Built()
    {
        var built = System.IO.Path.Combine(RepositoryRoot.Path, "client", "LiveUpdate.Qemu", "bin", RepositoryRoot.Configuration, "net10.0", "liveupdate-qemu");
        return File.Exists(built) ? built
            : File.Exists(built + ".dll") ? built + ".dll"
            : throw new InvalidOperationException($"{built} is not built (dotnet build -c {RepositoryRoot.Configuration} client/LiveUpdate.Qemu)");
    }
}
