using LiveUpdate.Benchmarks.Harness;

namespace LiveUpdate.Benchmarks.Vm;

/// <summary>
/// The <c>liveupdate-qemu</c> the vm suite runs: the one <c>deploy/install.sh</c> installs (ReadyToRun, see
/// <see cref="BenchInstallation"/>), or the build named by <c>LU_BENCH_SUPERVISOR</c> (an apphost, or a dll run with
/// <c>dotnet</c>, e.g. <c>client/LiveUpdate.Qemu/bin/Release/net10.0/liveupdate-qemu.dll</c>).
/// </summary>
internal static class SupervisorBinary
{
    private static readonly ChildProgram s_program = new("LU_BENCH_SUPERVISOR", () => BenchInstallation.Program("usr", "lib", "liveupdate", "qemu", "liveupdate-qemu"));

    public static string Path => s_program.Path;

    /// <summary>The command line that starts it.</summary>
    public static IReadOnlyList<string> Command => s_program.Command;
}
