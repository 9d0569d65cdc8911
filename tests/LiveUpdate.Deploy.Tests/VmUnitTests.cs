using System.Text.RegularExpressions;
using LiveUpdate.Deploy.Tests.Support;

namespace LiveUpdate.Deploy.Tests;

/// <summary>
/// deploy/liveupdate-vm@.service and its example environment file (deploy/liveupdate-vm.env): the settings liveupdate-qemu
/// and a live update rely on. systemd-analyze verify and security check the unit in <see cref="UnitFileTests"/>.
/// </summary>
public sealed partial class VmUnitTests
{
    private static readonly string s_unit = File.ReadAllText(Repo.DeployFile("liveupdate-vm@.service"));

    [Fact]
    public void ExecStart_runs_liveupdate_qemu_with_the_environment_files_values()
    {
        Assert.Equal(
            ["/usr/lib/liveupdate/qemu/liveupdate-qemu --vm %i --name ${NAME} --memory ${MEMORY} -- ${QEMU} $QEMU_ARGS"],
            SyscallFilter.UnitValues(s_unit, "ExecStart"));
        Assert.Equal(["/etc/liveupdate/vm/%i.env"], SyscallFilter.UnitValues(s_unit, "EnvironmentFile"));
        Assert.Equal(["/etc/liveupdate/vm/%i.env"], SyscallFilter.UnitValues(s_unit, "AssertPathExists"));
        // The QMP socket's directory, per VM.
        Assert.Equal(["liveupdate-vm/%i"], SyscallFilter.UnitValues(s_unit, "RuntimeDirectory"));
    }

    [Fact]
    public void A_daemon_restart_or_stop_does_not_stop_the_vms()
    {
        // Wants= and After=: the daemon starts first; Requires=, BindsTo= or PartOf= would stop (power down) every VM when
        // the daemon is restarted or stopped.
        Assert.Contains("liveupdate.service", SyscallFilter.UnitValues(s_unit, "Wants").SelectMany(Words));
        Assert.Contains("liveupdate.service", SyscallFilter.UnitValues(s_unit, "After").SelectMany(Words));
        foreach (var key in new[] { "Requires", "BindsTo", "PartOf", "Requisite" })
        {
            Assert.Empty(SyscallFilter.UnitValues(s_unit, key));
        }
    }

    [Fact]
    public void Stop_goes_to_liveupdate_qemu_alone_and_systemd_waits_longer_than_it_does()
    {
        // SIGTERM to the supervisor only (it powers the guest down, then kills QEMU); systemd's SIGKILL to all comes later.
        Assert.Equal(["mixed"], SyscallFilter.UnitValues(s_unit, "KillMode"));
        Assert.Empty(SyscallFilter.UnitValues(s_unit, "KillSignal"));
        // liveupdate-qemu: up to 10 s for system_powerdown's reply, --shutdown-timeout (default 30 s) for the guest, up to
        // 10 s for quit's reply and 10 s for QEMU to go, then SIGKILL: 60 s at most.
        var timeout = Assert.Single(SyscallFilter.UnitValues(s_unit, "TimeoutStopSec"));
        Assert.Matches(Seconds(), timeout);
        Assert.True(int.Parse(Seconds().Match(timeout).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 60, timeout);
    }

    [Fact]
    public void Hardening_keeps_what_qemu_needs_and_nothing_more()
    {
        // QEMU's TCG and .NET's JIT write code and run it.
        Assert.DoesNotMatch(@"(?m)^MemoryDenyWriteExecute\s*=\s*(yes|true|on|1)\s*$", s_unit);
        Assert.Equal([string.Empty], SyscallFilter.UnitValues(s_unit, "CapabilityBoundingSet"));
        Assert.Equal(["yes"], SyscallFilter.UnitValues(s_unit, "NoNewPrivileges"));
        Assert.Equal(["closed"], SyscallFilter.UnitValues(s_unit, "DevicePolicy"));
        Assert.Equal(
            ["char-dax rw", "/dev/kvm rw", "/dev/net/tun rw", "/dev/vhost-net rw", "/dev/vhost-vsock rw"],
            SyscallFilter.UnitValues(s_unit, "DeviceAllow"));
        // capset: setpriv, which liveupdate-qemu starts QEMU through, calls it (RestrictedVmTests shows it is needed).
        Assert.Equal(["@system-service", "~@privileged", "capset"], SyscallFilter.UnitValues(s_unit, "SystemCallFilter"));
        Assert.Equal(["liveupdate/vm"], SyscallFilter.UnitValues(s_unit, "StateDirectory"));
    }

    [Fact]
    public void Example_environment_file_sets_every_variable_the_unit_uses()
    {
        var values = ExampleValues();
        Assert.Equal(["MEMORY", "NAME", "QEMU", "QEMU_ARGS"], values.Keys.Order(StringComparer.Ordinal));
        Assert.Matches(@"^[0-9]+(MiB|GiB)$", values["MEMORY"]);
        Assert.Equal("/usr/bin/qemu-system-x86_64", values["QEMU"]);
    }

    [Fact]
    public void Example_qemu_arguments_leave_memory_qmp_and_incoming_to_liveupdate_qemu()
    {
        var arguments = Words(ExampleValues()["QEMU_ARGS"]).ToList();
        Assert.Contains("-nodefaults", arguments);
        foreach (var refused in new[] { "-m", "-qmp", "-incoming", "-object", "-mem-path" })
        {
            Assert.DoesNotContain(refused, arguments);
        }

        Assert.DoesNotContain(arguments, argument => argument.Contains("memory-backend", StringComparison.Ordinal));
        // Disk images and logs where the unit may write.
        Assert.All(arguments.Where(a => a.Contains("file=", StringComparison.Ordinal) || a.StartsWith("file:", StringComparison.Ordinal)),
            a => Assert.Contains("/var/lib/liveupdate/vm/", a, StringComparison.Ordinal));
    }

    /// <summary>The example's assignments as systemd's EnvironmentFile= reads these simple ones (outer double quotes dropped).</summary>
    private static Dictionary<string, string> ExampleValues()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(Repo.DeployFile("liveupdate-vm.env")))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var match = Assignment().Match(line);
            Assert.True(match.Success, $"not a simple NAME=value line: {line}");
            values.Add(match.Groups[1].Value, match.Groups[2].Value.Trim('"'));
        }

        return values;
    }

    private static IEnumerable<string> Words(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"^([A-Z_]+)=(""[^""\\$`]*""|[^\s""'\\$`]*)$")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"^([0-9]+)s$")]
    private static partial Regex Seconds();
}
