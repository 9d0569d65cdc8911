using System.Diagnostics;
using LiveUpdate.Deploy.Tests.Support;
using Xunit.Abstractions;

namespace LiveUpdate.Deploy.Tests;

/// <summary>
/// The installed liveupdate-qemu, started as liveupdate-vm@.service starts it, under as much of that unit's sandbox as can
/// be built without systemd as PID 1 (Sandbox/unit-sandbox.sh: read-only file system, private /tmp, no home, no
/// capabilities, no_new_privs, the unit's system-call allow list and address families), runs a real QEMU guest
/// (tests/guests/tickguest, TCG) with its RAM in the region of the installed daemon, and stops on SIGTERM (what
/// systemctl stop sends it, KillMode=mixed) well within the unit's TimeoutStopSec.
/// </summary>
[Collection(InstallCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class RestrictedVmTests(InstallFixture install, ITestOutputHelper output)
{
    private const string Uuid = "5d7c1e2a-9b34-4f0e-a1c2-7e6f5d4c3b2a";

    [Fact(Timeout = 300_000)]
    public async Task Installed_liveupdate_qemu_runs_a_guest_and_stops_under_the_vm_units_restrictions()
    {
        Assert.True(install.First.ExitCode == 0, install.First.Output);
        var unit = await File.ReadAllTextAsync(install["usr/lib/systemd/system/liveupdate-vm@.service"]);
        // /dev/shm: the sandbox keeps /dev writable and visible (the unit's PrivateTmp would hide a directory under /tmp).
        // Short names: the QMP socket's path must fit a socket address (108 bytes), as /run/liveupdate-vm/UUID does.
        using var work = new TempDirectory("luvm", "/dev/shm");
        var filter = await UnitSandbox.WriteFilterAsync(unit, work["syscalls"]);
        var guest = work["tickguest.elf"];
        var build = await Command.RunAsync(Path.Combine(Repo.Root, "tests/guests/tickguest/build.sh"), guest);
        Assert.True(build.ExitCode == 0, build.Output);

        var socketDirectory = work["run-liveupdate"];
        Directory.CreateDirectory(socketDirectory);
        var runtimeDirectory = work["r"];
        Directory.CreateDirectory(runtimeDirectory, (UnixFileMode)0b111_000_000);
        var region = work["region"];
        using (var file = File.Create(region))
        {
            file.SetLength(256L << 20); // an empty (all-zero) region: the daemon formats it
        }

        using var daemon = LoggedProcess.Start(
            [install["usr/lib/liveupdate/daemon/liveupdated"], "--socket-dir", socketDirectory, "--admin-group", "root", "--region", region],
            new Dictionary<string, string>());
        try
        {
            Assert.True(await daemon.WaitForAsync("ready", TimeSpan.FromSeconds(60)), $"the daemon did not get ready:\n{daemon.Log}");

            // The unit's ExecStart with the example's kind of QEMU arguments, TCG instead of KVM, paths in this test's directory.
            var serial = work["serial.log"];
            var execStart = SyscallFilter.UnitValues(unit, "ExecStart").Single()
                .Replace("%i", Uuid, StringComparison.Ordinal)
                .Replace("${NAME}", "sandboxed", StringComparison.Ordinal)
                .Replace("${MEMORY}", "64MiB", StringComparison.Ordinal)
                .Replace("${QEMU}", "/usr/bin/qemu-system-x86_64", StringComparison.Ordinal)
                .Replace("$QEMU_ARGS", $"-machine q35 -accel tcg -smp 1 -nodefaults -display none -no-reboot -serial file:{serial} -kernel {guest}", StringComparison.Ordinal)
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            var program = execStart[0];
            execStart[0] = install[program.TrimStart('/')];
            execStart.InsertRange(execStart.IndexOf("--"), ["--socket-dir", socketDirectory]);

            // systemd's environment for the unit: RuntimeDirectory= as $RUNTIME_DIRECTORY, the unit's umask.
            string[] command =
            [
                Repo.SandboxFile("unit-sandbox.sh"), filter, UnitSandbox.Families(unit), "--",
                "/usr/bin/env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "LANG=C.UTF-8",
                $"RUNTIME_DIRECTORY={runtimeDirectory}", .. execStart,
            ];
            // The install root lives in this test's output directory, which PrivateTmp/ProtectHome would hide.
            using var supervisor = LoggedProcess.Start(command, new Dictionary<string, string> { ["UNIT_SANDBOX_KEEP"] = Path.GetDirectoryName(execStart[0])! });
            try
            {
                Assert.True(await WaitForFileAsync(serial, "TICK 3 ", supervisor, TimeSpan.FromSeconds(120)), $"no TICK 3 from the guest:\n{supervisor.Log}\n{ReadOrEmpty(serial)}");
                Assert.Contains($"liveupdate-qemu: VM {Uuid}: started fresh in", supervisor.Log, StringComparison.Ordinal);
                Assert.Contains("VERIFY OK", ReadOrEmpty(serial), StringComparison.Ordinal);

                // systemctl stop: SIGTERM to liveupdate-qemu only. tickguest ignores the ACPI power-down, so this is the
                // bounded wait and the kill; it must end before the unit's TimeoutStopSec.
                var stopTimeout = TimeSpan.FromSeconds(int.Parse(SyscallFilter.UnitValues(unit, "TimeoutStopSec").Single().TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture));
                supervisor.Signal("TERM");
                Assert.True(await supervisor.WaitForExitAsync(stopTimeout), $"liveupdate-qemu still runs {stopTimeout} after SIGTERM:\n{supervisor.Log}");
                output.WriteLine($"exit {supervisor.ExitCode}");
                Assert.Contains("asking the guest to power down", supervisor.Log, StringComparison.Ordinal);
                Assert.Contains("QEMU quit", supervisor.Log, StringComparison.Ordinal);
            }
            finally
            {
                supervisor.Kill();
                output.WriteLine(supervisor.Log);
            }

            // Nothing the sandbox refused was worth a message.
            Assert.DoesNotContain("Operation not permitted", supervisor.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("Permission denied", supervisor.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("Read-only file system", supervisor.Log, StringComparison.Ordinal);
        }
        finally
        {
            daemon.Kill();
            output.WriteLine(daemon.Log);
        }
    }

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : string.Empty;

    /// <summary>Polls <paramref name="path"/> until it holds <paramref name="text"/>; false on timeout or when the process exits first.</summary>
    private static async Task<bool> WaitForFileAsync(string path, string text, LoggedProcess process, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (ReadOrEmpty(path).Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (process.HasExited)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return false;
    }
}
