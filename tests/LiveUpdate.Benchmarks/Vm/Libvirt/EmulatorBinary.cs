using LiveUpdate.Benchmarks.Harness;

namespace LiveUpdate.Benchmarks.Vm.Libvirt;

/// <summary>
/// The <c>liveupdate-emulator</c> the persistent bench domains run: the one <c>deploy/install.sh</c> installs
/// (<c>usr/libexec/liveupdate/liveupdate-emulator</c>, see <see cref="BenchInstallation"/>), or the build named by
/// <c>LU_BENCH_EMULATOR</c> (an apphost, or a dll run with <c>dotnet</c>).
/// </summary>
internal static class EmulatorBinary
{
    private static readonly ChildProgram s_program = new("LU_BENCH_EMULATOR", () => BenchInstallation.Program("usr", "libexec", "liveupdate", "liveupdate-emulator"));

    public static string Path => s_program.Path;

    /// <summary>The command line that starts it.</summary>
    public static IReadOnlyList<string> Command => s_program.Command;
}
