using LiveUpdate.Benchmarks.Harness;

namespace LiveUpdate.Benchmarks.Vm;

/// <summary>
/// The test guest of <c>tests/guests/tickguest</c> (a 3.5 KB multiboot program that fills 32 MiB with a pattern and
/// counts on COM1), built by its <c>build.sh</c> into the scratch directory, and the QEMU command line that boots it:
/// q35 under TCG (KVM is not usable on these machines), <c>-nodefaults</c> (q35's default devices stall SeaBIOS), no
/// display, COM1 appended to the VM's serial log.
/// </summary>
internal sealed class TickGuest
{
    /// <summary>QEMU ≥ 10 (memory-backend-file offset=, device state without guest RAM), found on PATH.</summary>
    public const string QemuBinary = "qemu-system-x86_64";

    private TickGuest(string kernelPath, string qemuVersion)
    {
        KernelPath = kernelPath;
        QemuVersion = qemuVersion;
    }

    public string KernelPath { get; }

    /// <summary>The first line of <c>qemu-system-x86_64 --version</c>.</summary>
    public string QemuVersion { get; }

    /// <summary>Builds the guest into <paramref name="directory"/> and checks that QEMU answers.</summary>
    public static TickGuest Build(string directory)
    {
        var kernel = Path.Combine(directory, "tickguest.elf");
        _ = ChildProgram.Run(Path.Combine(RepositoryRoot.Path, "tests", "guests", "tickguest", "build.sh"), kernel);
        return new TickGuest(kernel, ChildProgram.Run(QemuBinary, "--version").Split('\n')[0].Trim());
    }

    /// <summary>QEMU's command line (the binary first) for one guest whose COM1 goes to <paramref name="serialLogPath"/>.</summary>
    public IReadOnlyList<string> QemuCommand(string serialLogPath) =>
    [
        QemuBinary, "-machine", "q35", "-accel", "tcg", "-nodefaults", "-display", "none",
        "-kernel", KernelPath,
        "-chardev", $"file,id=com1,path={serialLogPath},append=on", "-serial", "chardev:com1",
    ];
}
