using LiveUpdate.Deploy.Tests.Support;
using Xunit.Abstractions;

namespace LiveUpdate.Deploy.Tests;

/// <summary>
/// deploy/liveupdate-kexec against fake luctl, kexec and systemctl commands (small scripts on PATH that record their
/// arguments in a calls file and answer as the real ones would), with a fake running command line.
/// </summary>
public sealed class KexecHelperTests(ITestOutputHelper output) : IDisposable
{
    private const string PlanJson = """
        {"device": "/dev/dax0.0", "physical_start": 4294967296, "size_bytes": 17179869184, "memmap": "memmap=16G!4G", "already_reserved": true, "kexec_load": "kexec -l /boot/vmlinuz-$(uname -r) --initrd=/boot/initrd.img-$(uname -r) --reuse-cmdline", "kexec_exec": "systemctl kexec"}
        """;

    /// <summary>luctl plan-kexec on the namespaces backend: the ramdax region's reservation.</summary>
    private static readonly Dictionary<string, string?> s_namespacesPlan = new()
    {
        ["FAKE_PLAN_JSON"] = """{"device": "/sys/bus/nd/devices/region0", "backend": "NAMESPACES", "memmap": "memmap=2G!4G", "already_reserved": true}""",
    };

    private readonly TempDirectory _dir = CreateFakes();

    private string Calls => _dir["calls"];

    private string Kernel => _dir["boot/vmlinuz-6.1.0-99-amd64"];

    private string Initrd => _dir["boot/initrd.img-6.1.0-99-amd64"];

    [Fact(Timeout = 60_000)]
    public async Task Dry_run_prints_load_freeze_and_kexec_and_runs_none_of_them()
    {
        var result = await RunAsync(["--dry-run", "--kernel", Kernel, "--initrd", Initrd], cmdline: "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=1234 ro quiet memmap=16G!4G initrd=/x");

        Assert.True(result.ExitCode == 0, result.Output);
        var commands = CommandLines(result);
        Assert.Equal(3, commands.Length);
        Assert.Equal($"kexec -s -l {Kernel} --initrd={Initrd} '--append=root=UUID=1234 ro quiet memmap=16G!4G'", commands[0]);
        Assert.Equal("luctl freeze --timeout 30s", commands[1]);
        Assert.Equal("systemctl kexec", commands[2]);
        // Only the read-only plan query ran: no freeze, no kexec, no systemctl.
        Assert.Equal(["luctl plan-kexec --json"], RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task Dry_run_adds_the_plans_reservation_when_the_running_kernel_has_none()
    {
        var result = await RunAsync(["--dry-run", "--kernel", Kernel, "--no-initrd", "--timeout", "45s", "--force", "--append", "console=ttyS0"], cmdline: "root=/dev/vda1 ro");

        Assert.True(result.ExitCode == 0, result.Output);
        var commands = CommandLines(result);
        Assert.Equal($"kexec -s -l {Kernel} '--append=root=/dev/vda1 ro console=ttyS0 memmap=16G!4G'", commands[0]);
        Assert.Equal("luctl freeze --timeout 45s --force", commands[1]);
        Assert.Equal(["luctl plan-kexec --json"], RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task A_replacement_command_line_still_repeats_every_memmap_of_the_running_kernel()
    {
        var result = await RunAsync(
            ["--dry-run", "--kernel", Kernel, "--no-initrd", "--command-line", "root=/dev/vda2 ro"],
            cmdline: "root=/dev/vda1 memmap=1G!8G memmap=16G!4G");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal($"kexec -s -l {Kernel} '--append=root=/dev/vda2 ro memmap=1G!8G memmap=16G!4G'", CommandLines(result)[0]);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_update_loads_first_then_freezes_then_kexecs()
    {
        var result = await RunAsync(["--kernel", Kernel, "--initrd", Initrd, "--socket-dir", "/run/lu-test"], cmdline: "root=/dev/vda1 memmap=16G!4G");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(
            [
                "luctl --socket-dir /run/lu-test plan-kexec --json",
                $"kexec -s -l {Kernel} --initrd={Initrd} --append=root=/dev/vda1 memmap=16G!4G",
                "luctl --socket-dir /run/lu-test freeze --timeout 30s",
                "systemctl kexec",
            ],
            RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task Without_systemd_the_update_boots_with_kexec_e_after_the_freeze()
    {
        // The real-kexec lab's guest has no systemd: --no-systemd boots the loaded kernel with kexec -e.
        var dry = await RunAsync(["--dry-run", "--no-systemd", "--kernel", Kernel, "--no-initrd"], cmdline: "root=/dev/vda1 memmap=16G!4G");
        Assert.True(dry.ExitCode == 0, dry.Output);
        Assert.Equal("kexec -e", CommandLines(dry)[2]);

        var result = await RunAsync(["--no-systemd", "--kernel", Kernel, "--initrd", Initrd], cmdline: "root=/dev/vda1 memmap=16G!4G");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(
            [
                "luctl plan-kexec --json",
                "luctl plan-kexec --json",
                $"kexec -s -l {Kernel} --initrd={Initrd} --append=root=/dev/vda1 memmap=16G!4G",
                "luctl freeze --timeout 30s",
                "kexec -e",
            ],
            RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task Without_systemd_a_kexec_e_that_returns_thaws_and_unloads()
    {
        var result = await RunAsync(["--no-systemd", "--kernel", Kernel, "--no-initrd"], cmdline: "memmap=16G!4G", environment: new() { ["FAKE_KEXEC_E_EXIT"] = "1" });

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("kexec -e failed", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(["kexec -e", "luctl thaw", "kexec -u"], RecordedCalls()[^3..]);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_failed_freeze_unloads_the_kernel_and_exits_1_without_kexec()
    {
        var result = await RunAsync(["--kernel", Kernel, "--no-initrd"], cmdline: "memmap=16G!4G", environment: new() { ["FAKE_FREEZE_EXIT"] = "1" });

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("the freeze failed", result.Stderr, StringComparison.Ordinal);
        var calls = RecordedCalls();
        Assert.Equal("kexec -u", calls[^1]);
        Assert.DoesNotContain(calls, call => call.StartsWith("systemctl", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_refused_systemctl_kexec_thaws_and_unloads()
    {
        var result = await RunAsync(["--kernel", Kernel, "--no-initrd"], cmdline: "memmap=16G!4G", environment: new() { ["FAKE_SYSTEMCTL_EXIT"] = "1" });

        Assert.True(result.ExitCode == 1, result.Output);
        var calls = RecordedCalls();
        Assert.Equal(["systemctl kexec", "luctl thaw", "kexec -u"], calls[^3..]);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_failed_thaw_after_the_freeze_exits_3_and_says_the_host_is_frozen()
    {
        var result = await RunAsync(
            ["--kernel", Kernel, "--no-initrd"], cmdline: "memmap=16G!4G", environment: new() { ["FAKE_SYSTEMCTL_EXIT"] = "1", ["FAKE_THAW_EXIT"] = "3" });

        Assert.True(result.ExitCode == 3, result.Output);
        Assert.Contains("FROZEN", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("luctl thaw", result.Stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_failed_load_stops_before_the_freeze()
    {
        var result = await RunAsync(["--kernel", Kernel, "--no-initrd"], cmdline: "memmap=16G!4G", environment: new() { ["FAKE_KEXEC_EXIT"] = "1" });

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.DoesNotContain(RecordedCalls(), call => call.Contains("freeze", StringComparison.Ordinal) || call.StartsWith("systemctl", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_enabled_libvirt_agent_that_is_not_running_stops_the_update_before_the_load()
    {
        var result = await RunAsync(["--kernel", Kernel, "--no-initrd"], cmdline: "memmap=16G!4G", environment: new() { ["FAKE_AGENT"] = "enabled" });

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("liveupdate-libvirt.service is enabled but not running", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(["luctl plan-kexec --json"], RecordedCalls());
        Assert.Equal(["systemctl is-enabled --quiet liveupdate-libvirt.service", "systemctl is-active --quiet liveupdate-libvirt.service"],
            File.ReadAllLines(Calls + "-queries"));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_running_libvirt_agent_lets_the_update_proceed_and_none_is_not_asked_about_without_systemd()
    {
        var running = await RunAsync(["--kernel", Kernel, "--no-initrd"], cmdline: "memmap=16G!4G", environment: new() { ["FAKE_AGENT"] = "active" });
        Assert.True(running.ExitCode == 0, running.Output);
        Assert.Equal("systemctl kexec", RecordedCalls()[^1]);

        File.Delete(Calls + "-queries");
        var noSystemd = await RunAsync(["--kernel", Kernel, "--no-initrd", "--no-systemd"], cmdline: "memmap=16G!4G", environment: new() { ["FAKE_AGENT"] = "enabled" });
        Assert.True(noSystemd.ExitCode == 0, noSystemd.Output);
        Assert.False(File.Exists(Calls + "-queries"));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_file_region_is_refused_before_anything_runs()
    {
        var result = await RunAsync(["--kernel", Kernel, "--no-initrd"], cmdline: "memmap=16G!4G", environment: new() { ["FAKE_PLAN_EXIT"] = "4" });

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("refused", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(["luctl plan-kexec --json"], RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task No_reservation_anywhere_is_refused_unless_asked_for()
    {
        var environment = new Dictionary<string, string?> { ["FAKE_PLAN_JSON"] = """{"device": "/dev/dax0.0", "memmap": ""}""" };
        var refused = await RunAsync(["--dry-run", "--kernel", Kernel, "--no-initrd"], cmdline: "root=/dev/vda1", environment: environment);
        Assert.True(refused.ExitCode == 1, refused.Output);
        Assert.Contains("no memmap= reservation", refused.Stderr, StringComparison.Ordinal);

        var allowed = await RunAsync(["--dry-run", "--kernel", Kernel, "--no-initrd", "--no-memmap-ok"], cmdline: "root=/dev/vda1", environment: environment);
        Assert.True(allowed.ExitCode == 0, allowed.Output);
    }

    [Fact(Timeout = 60_000)]
    public async Task On_the_namespaces_backend_a_next_kernel_without_ramdax_is_refused_before_anything_runs()
    {
        var config = _dir["boot/config-6.1.0-99-amd64"];
        await File.WriteAllTextAsync(config, "CONFIG_LIBNVDIMM=m\nCONFIG_DEV_DAX=m\n# CONFIG_RAMDAX is not set\n");

        var result = await RunAsync(["--kernel", Kernel, "--initrd", Initrd, "--kernel-config", config], cmdline: "memmap=16G!4G", environment: s_namespacesPlan);

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains($"{Kernel} has no ramdax driver (CONFIG_RAMDAX is not set in {config})", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was done", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(["luctl plan-kexec --json"], RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task On_the_namespaces_backend_a_next_kernel_without_a_config_is_refused()
    {
        var result = await RunAsync(["--dry-run", "--kernel", Kernel, "--no-initrd"], cmdline: "memmap=16G!4G", environment: s_namespacesPlan);

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("needs the ramdax driver in the next kernel", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--kernel-config", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(["luctl plan-kexec --json"], RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task On_the_namespaces_backend_a_next_kernel_with_ramdax_is_loaded_frozen_and_booted()
    {
        // Found beside the kernel as /boot/config-VERSION, as Debian installs it.
        await File.WriteAllTextAsync(_dir["boot/config-6.1.0-99-amd64"], "CONFIG_LIBNVDIMM=m\nCONFIG_RAMDAX=m\n");

        var result = await RunAsync(["--kernel", Kernel, "--initrd", Initrd], cmdline: "root=/dev/vda1 memmap=2G!4G", environment: s_namespacesPlan);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("has ramdax (CONFIG_RAMDAX=m)", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(
            ["luctl plan-kexec --json", $"kexec -s -l {Kernel} --initrd={Initrd} --append=root=/dev/vda1 memmap=2G!4G", "luctl freeze --timeout 30s", "systemctl kexec"],
            RecordedCalls());
    }

    [Theory(Timeout = 60_000)]
    [InlineData("--bogus")]
    [InlineData("--timeout", "soon")]
    [InlineData("--kernel")]
    public async Task Bad_usage_exits_2(params string[] args)
    {
        var result = await RunAsync(args, cmdline: "memmap=16G!4G");
        Assert.True(result.ExitCode == 2, result.Output);
        Assert.Empty(RecordedCalls());
    }

    [Fact(Timeout = 60_000)]
    public async Task Help_exits_0()
    {
        var result = await RunAsync(["--help"], cmdline: string.Empty);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("--dry-run", result.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    private static TempDirectory CreateFakes()
    {
        var dir = new TempDirectory("lu-kexec-tests");
        var calls = dir["calls"];
        dir.WriteScript("bin/luctl", $$"""
            #!/bin/sh
            echo "luctl $*" >> '{{calls}}'
            for arg in "$@"; do
              case "$arg" in
                plan-kexec)
                  [ "${FAKE_PLAN_EXIT:-0}" = 0 ] || { echo "luctl: the region is a file on tmpfs" >&2; exit "$FAKE_PLAN_EXIT"; }
                  printf '%s\n' "${FAKE_PLAN_JSON:-$DEFAULT_PLAN_JSON}"; exit 0 ;;
                freeze) echo "FROZEN"; exit "${FAKE_FREEZE_EXIT:-0}" ;;
                thaw) exit "${FAKE_THAW_EXIT:-0}" ;;
              esac
            done
            exit 0
            """);
        dir.WriteScript("bin/kexec", $$"""
            #!/bin/sh
            echo "kexec $*" >> '{{calls}}'
            case "$1" in -u) exit 0 ;; -e) exit "${FAKE_KEXEC_E_EXIT:-0}" ;; esac
            exit "${FAKE_KEXEC_EXIT:-0}"
            """);
        dir.WriteScript("bin/systemctl", $$"""
            #!/bin/sh
            # The read-only queries about liveupdate-libvirt.service go to their own file, answered by FAKE_AGENT:
            # unset (not installed), "enabled" (enabled, stopped) or "active" (enabled and running).
            case "$1" in
              is-enabled) echo "systemctl $*" >> '{{calls}}-queries'; [ -n "$FAKE_AGENT" ]; exit $? ;;
              is-active) echo "systemctl $*" >> '{{calls}}-queries'; [ "$FAKE_AGENT" = active ]; exit $? ;;
            esac
            echo "systemctl $*" >> '{{calls}}'
            exit "${FAKE_SYSTEMCTL_EXIT:-0}"
            """);
        Directory.CreateDirectory(dir["boot"]);
        File.WriteAllText(dir["boot/vmlinuz-6.1.0-99-amd64"], "kernel");
        File.WriteAllText(dir["boot/initrd.img-6.1.0-99-amd64"], "initrd");
        return dir;
    }

    private async Task<CommandResult> RunAsync(string[] args, string cmdline, Dictionary<string, string?>? environment = null)
    {
        var cmdlineFile = _dir["cmdline"];
        await File.WriteAllTextAsync(cmdlineFile, cmdline + "\n");
        var env = new Dictionary<string, string?>
        {
            ["PATH"] = Repo.SystemPath(_dir["bin"]),
            ["PROC_CMDLINE"] = cmdlineFile,
            ["DEFAULT_PLAN_JSON"] = PlanJson,
            ["LUCTL"] = null,
            ["KEXEC"] = null,
            ["SYSTEMCTL"] = null,
            ["FAKE_AGENT"] = null,
        };
        foreach (var (name, value) in environment ?? [])
        {
            env[name] = value;
        }

        var result = await Command.RunAsync(Repo.DeployFile("liveupdate-kexec"), args, env);
        output.WriteLine(result.Output);
        return result;
    }

    /// <summary>The "+ command" lines of the output, without the "+ ".</summary>
    private static string[] CommandLines(CommandResult result) =>
        result.Stdout.Split('\n').Where(line => line.StartsWith("+ ", StringComparison.Ordinal)).Select(line => line[2..]).ToArray();

    private string[] RecordedCalls() =>
        File.Exists(Calls) ? File.ReadAllLines(Calls).Where(line => line.Length > 0).ToArray() : [];
}
