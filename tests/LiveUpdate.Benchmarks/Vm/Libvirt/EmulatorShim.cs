using System.Globalization;

namespace LiveUpdate.Benchmarks.Vm.Libvirt;

/// <summary>
/// The <c>&lt;emulator&gt;</c> of the persistent bench domains: a shell script that points liveupdate-emulator at this
/// run's daemon and QEMU (<c>LIVEUPDATE_SOCKET_DIR</c>, <c>LIVEUPDATE_QEMU</c>; libvirt starts the emulator with a clean
/// environment, so they cannot come from ours) and execs it with libvirt's arguments. A new script per run: libvirt probes
/// it like a QEMU binary on first use (a few seconds, at define).
/// </summary>
internal static class EmulatorShim
{
    public static string Write(string path, string socketDirectory)
    {
        var command = string.Join(' ', EmulatorBinary.Command.Select(Quote));
        var dotnetRoot = Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root ? root : "/usr/share/dotnet";
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $"""
            #!/bin/sh
            # liveupdate-emulator for the vm suite's persistent domains (libvirt gives the emulator a clean environment)
            export LIVEUPDATE_SOCKET_DIR={Quote(socketDirectory)}
            export LIVEUPDATE_QEMU={Quote(BenchDomain.QemuPath)}
            export DOTNET_ROOT={Quote(dotnetRoot)}
            exec {command} "$@"

            """));
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
