using LiveUpdate.Deploy.Tests.Support;
using Xunit.Abstractions;

namespace LiveUpdate.Deploy.Tests;

/// <summary>deploy/install.sh --prefix into a staging root: what it installs, that it runs, and that a second run changes nothing.</summary>
[Collection(InstallCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class InstallTests(InstallFixture install, ITestOutputHelper output)
{
    private static readonly (string Path, string Mode)[] s_installed =
    [
        ("usr/lib/liveupdate/daemon/liveupdated", "755"),
        ("usr/lib/liveupdate/daemon/liveupdated.dll", "644"),
        ("usr/lib/liveupdate/daemon/appsettings.json", "644"),
        ("usr/lib/liveupdate/cli/luctl", "755"),
        ("usr/lib/liveupdate/cli/luctl.dll", "644"),
        ("usr/lib/liveupdate/qemu/liveupdate-qemu", "755"),
        ("usr/lib/liveupdate/qemu/liveupdate-qemu.dll", "644"),
        ("usr/lib/liveupdate/emulator/liveupdate-emulator", "755"),
        ("usr/lib/liveupdate/emulator/liveupdate-emulator.dll", "644"),
        ("usr/lib/liveupdate/libvirt/liveupdate-libvirt", "755"),
        ("usr/lib/liveupdate/libvirt/liveupdate-libvirt.dll", "644"),
        ("usr/lib/systemd/system/liveupdate-libvirt.service", "644"),
        ("etc/liveupdate/emulator.conf", "644"),
        ("usr/sbin/liveupdate-kexec", "755"),
        ("usr/lib/systemd/system/liveupdate.service", "644"),
        ("usr/lib/systemd/system/liveupdate-vm@.service", "644"),
        ("usr/share/doc/liveupdate/examples/liveupdate-vm.env", "644"),
        ("usr/lib/tmpfiles.d/liveupdate.conf", "644"),
        ("usr/lib/sysusers.d/liveupdate.conf", "644"),
        ("etc/libvirt/hooks/qemu.d/liveupdate", "755"),
        ("usr/share/doc/liveupdate/README.md", "644"),
        ("usr/lib/systemd/system/liveupdate.service.d/namespaces.conf", "644"),
        ("usr/lib/modprobe.d/liveupdate-ramdax.conf", "644"),
        ("usr/lib/udev/rules.d/60-liveupdate-ramdax.rules", "644"),
    ];

    [Fact]
    public void First_install_succeeds_and_puts_every_file_in_place()
    {
        output.WriteLine(install.First.Output);
        Assert.True(install.First.ExitCode == 0, install.First.Output);
        foreach (var (path, mode) in s_installed)
        {
            var full = install[path];
            Assert.True(File.Exists(full), $"{path} was not installed:\n{install.First.Output}");
            Assert.Equal(mode, Convert.ToString((int)File.GetUnixFileMode(full), 8));
        }

        Assert.Equal("../lib/liveupdate/cli/luctl", new FileInfo(install["usr/bin/luctl"]).LinkTarget);
        Assert.Equal("../lib/liveupdate/qemu/liveupdate-qemu", new FileInfo(install["usr/bin/liveupdate-qemu"]).LinkTarget);
        Assert.Equal("../../lib/liveupdate/emulator/liveupdate-emulator", new FileInfo(install["usr/libexec/liveupdate/liveupdate-emulator"]).LinkTarget);
        Assert.Equal("../lib/liveupdate/libvirt/liveupdate-libvirt", new FileInfo(install["usr/bin/liveupdate-libvirt"]).LinkTarget);
        Assert.Contains("file(s) changed", install.First.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Installed_copies_of_the_deploy_files_are_identical()
    {
        Assert.True(install.First.ExitCode == 0, install.First.Output);
        Assert.Equal(File.ReadAllBytes(Repo.DeployFile("liveupdate.service")), File.ReadAllBytes(install["usr/lib/systemd/system/liveupdate.service"]));
        Assert.Equal(File.ReadAllBytes(Repo.DeployFile("liveupdate-kexec")), File.ReadAllBytes(install["usr/sbin/liveupdate-kexec"]));
        Assert.Equal(File.ReadAllBytes(Repo.DeployFile("libvirt-hook-qemu")), File.ReadAllBytes(install["etc/libvirt/hooks/qemu.d/liveupdate"]));
        Assert.Equal(File.ReadAllBytes(Repo.DeployFile("liveupdate-vm@.service")), File.ReadAllBytes(install["usr/lib/systemd/system/liveupdate-vm@.service"]));
        Assert.Equal(File.ReadAllBytes(Repo.DeployFile("liveupdate-libvirt.service")), File.ReadAllBytes(install["usr/lib/systemd/system/liveupdate-libvirt.service"]));
        Assert.Equal(File.ReadAllBytes(Repo.DeployFile("emulator.conf")), File.ReadAllBytes(install["etc/liveupdate/emulator.conf"]));
        Assert.Equal(File.ReadAllBytes(Repo.DeployFile("liveupdate-vm.env")), File.ReadAllBytes(install["usr/share/doc/liveupdate/examples/liveupdate-vm.env"]));
        Assert.Equal(File.ReadAllBytes(Repo.DeployFile("namespaces/namespaces.conf")), File.ReadAllBytes(install["usr/lib/systemd/system/liveupdate.service.d/namespaces.conf"]));
        Assert.Equal(File.ReadAllBytes(Repo.DeployFile("namespaces/liveupdate-ramdax.conf")), File.ReadAllBytes(install["usr/lib/modprobe.d/liveupdate-ramdax.conf"]));
        Assert.Equal(File.ReadAllBytes(Repo.DeployFile("namespaces/60-liveupdate-ramdax.rules")), File.ReadAllBytes(install["usr/lib/udev/rules.d/60-liveupdate-ramdax.rules"]));
    }

    [Fact]
    public void Namespaces_backend_binds_the_reserved_range_to_ramdax_before_any_driver_can_take_it()
    {
        // nd_e820 is kept from loading by alias, and the rule sets driver_override in the add event before loading ramdax
        // (which has no alias of its own): the order that worked by hand in the lab (echo ramdax > driver_override; modprobe ramdax).
        Assert.Contains("blacklist nd_e820", File.ReadAllLines(install["usr/lib/modprobe.d/liveupdate-ramdax.conf"]));
        var rule = File.ReadAllLines(install["usr/lib/udev/rules.d/60-liveupdate-ramdax.rules"]).Single(line => line.Length > 0 && !line.StartsWith('#'));
        Assert.Matches(@"^ACTION==""add"", SUBSYSTEM==""platform"", KERNEL==""e820_pmem"", ATTR\{driver_override\}=""ramdax"", RUN\{builtin\}\+=""kmod load ramdax( |"")", rule);
        var dropIn = File.ReadAllText(install["usr/lib/systemd/system/liveupdate.service.d/namespaces.conf"]);
        Assert.Contains("CapabilityBoundingSet=CAP_CHOWN\n", dropIn, StringComparison.Ordinal);
        Assert.Contains("DeviceAllow=char-ndctl rw\n", dropIn, StringComparison.Ordinal);
    }

    [Fact]
    public void Second_install_changes_nothing()
    {
        output.WriteLine(install.Second.Output);
        Assert.True(install.Second.ExitCode == 0, install.Second.Output);
        Assert.Contains("nothing to do", install.Second.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("installed ", install.Second.Stdout, StringComparison.Ordinal);
        // The same files and links, with the same modes, sizes, contents and modification times.
        var before = install.AfterFirst;
        var after = install.AfterSecond;
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, facts) in before)
        {
            Assert.True(facts == after[path], $"{path} changed:\n  {facts}\n  {after[path]}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Installed_luctl_prints_its_help()
    {
        var result = await Command.RunAsync(install["usr/bin/luctl"], "--help");
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, result.Output);
        foreach (var command in new[] { "status", "freeze", "thaw", "create", "rm", "plan-kexec" })
        {
            Assert.Contains(command, result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Installed_daemon_prints_its_help_from_where_the_unit_starts_it()
    {
        var unit = await File.ReadAllTextAsync(install["usr/lib/systemd/system/liveupdate.service"]);
        var execStart = UnitFileTests.ExecStartPath(unit);
        var result = await Command.RunAsync(install[execStart.TrimStart('/')], "--help");
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("usage: liveupdated", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--admin-group", result.Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Installed_liveupdate_qemu_prints_its_help_from_where_the_vm_unit_starts_it()
    {
        var unit = await File.ReadAllTextAsync(install["usr/lib/systemd/system/liveupdate-vm@.service"]);
        var result = await Command.RunAsync(install[UnitFileTests.ExecStartPath(unit).TrimStart('/')], "--help");
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, result.Output);
        foreach (var option in new[] { "--vm", "--name", "--memory", "--socket-dir" })
        {
            Assert.Contains(option, result.Stdout, StringComparison.Ordinal);
        }

        var viaPath = await Command.RunAsync(install["usr/bin/liveupdate-qemu"], "--help");
        Assert.True(viaPath.ExitCode == 0 && viaPath.Stdout == result.Stdout, viaPath.Output);
    }

    [Theory]
    [InlineData("usr/lib/liveupdate/daemon/liveupdated.dll")]
    [InlineData("usr/lib/liveupdate/qemu/liveupdate-qemu.dll")]
    public void Installed_program_is_ReadyToRun(string assembly)
    {
        // A ReadyToRun assembly carries a ManagedNativeHeader (precompiled code); an IL-only one does not.
        using var stream = File.OpenRead(install[assembly]);
        using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
        Assert.NotNull(reader.PEHeaders.CorHeader);
        Assert.NotEqual(0, reader.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size);
    }

    [Fact(Timeout = 120_000)]
    public async Task Install_help_and_bad_usage()
    {
        var help = await Command.RunAsync(Repo.DeployFile("install.sh"), "--help");
        Assert.True(help.ExitCode == 0, help.Output);
        Assert.Contains("--prefix DIR", help.Stdout, StringComparison.Ordinal);

        var bad = await Command.RunAsync(Repo.DeployFile("install.sh"), "--no-such-option");
        Assert.True(bad.ExitCode == 2, bad.Output);

        var enableWithPrefix = await Command.RunAsync(Repo.DeployFile("install.sh"), "--prefix", install.Prefix, "--enable");
        Assert.True(enableWithPrefix.ExitCode == 2, enableWithPrefix.Output);
    }
}
