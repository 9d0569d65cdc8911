using LiveUpdate.Cli.Commands;
using LiveUpdate.Cli.Errors;
using LiveUpdate.Cli.Planning;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Tests.Units;

/// <summary>plan-kexec's reasoning on hand-worked GetRegion answers for a device-DAX region (this machine has none).</summary>
public sealed class KexecPlannerTests
{
    private const string PlainCommandLine = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0b1c ro quiet\n";

    /// <summary>/dev/dax0.0: 16 GiB at physical 4 GiB (what `memmap=16G!4G` and `ndctl create-namespace --mode=devdax` give).</summary>
    private static RegionInfo DevDax(ulong start = 0x1_0000_0000, ulong size = 16UL << 30) => new()
    {
        Backend = Backend.Devdax,
        Path = "/dev/dax0.0",
        SizeBytes = size,
        PhysicalBase = start,
        PhysicalBaseSimulated = false,
        State = LifecycleState.Active,
    };

    [Fact]
    public void Plan_DevDaxNotOnTheCommandLine_AppendsTheReservation_InMemparseNotation()
    {
        var plan = KexecPlanner.Plan(DevDax(), PlainCommandLine);

        Assert.Equal("memmap=16G!4G", plan.Memmap);
        Assert.False(plan.AlreadyReserved);
        Assert.Equal(
            "kexec -l /boot/vmlinuz-$(uname -r) --initrd=/boot/initrd.img-$(uname -r) --reuse-cmdline --append='memmap=16G!4G'",
            plan.LoadCommand);
        Assert.Equal("systemctl kexec", plan.ExecCommand);
        Assert.Equal(0x1_0000_0000UL, plan.PhysicalStart);
        Assert.Equal(16UL << 30, plan.SizeBytes);
    }

    [Fact]
    public void Plan_HumanText_IsTheHandWorkedText()
    {
        var output = new StringWriter { NewLine = "\n" };
        PlanKexecCommand.Write(output, KexecPlanner.Plan(DevDax(), PlainCommandLine));

        Assert.Equal(
            """
            # region /dev/dax0.0: 16.0 GiB at physical 0x100000000-0x4ffffffff
            # reservation: memmap=16G!4G
            # not on the running kernel's command line: --append adds it for the next kernel
            # after 'luctl freeze' ended FROZEN ($(uname -r): put the new kernel's release there to change kernels):
            kexec -l /boot/vmlinuz-$(uname -r) --initrd=/boot/initrd.img-$(uname -r) --reuse-cmdline --append='memmap=16G!4G'
            systemctl kexec

            """,
            output.ToString());
    }

    [Theory]
    [InlineData("root=/dev/sda1 memmap=16G!4G ro", "memmap=16G!4G")]
    [InlineData("root=/dev/sda1 memmap=0x400000000!0x100000000", "memmap=0x400000000!0x100000000")]
    [InlineData("memmap=1G!1G,32G!2G quiet", "memmap=32G!2G")]
    public void Plan_ReservationAlreadyOnTheCommandLine_KeepsItAsWritten_AndAppendsNothing(string commandLine, string kept)
    {
        var plan = KexecPlanner.Plan(DevDax(), commandLine);

        Assert.True(plan.AlreadyReserved);
        Assert.Equal(kept, plan.Memmap);
        Assert.Equal("kexec -l /boot/vmlinuz-$(uname -r) --initrd=/boot/initrd.img-$(uname -r) --reuse-cmdline", plan.LoadCommand);
    }

    [Theory]
    [InlineData("memmap=8G!4G")]
    [InlineData("memmap=16G!6G")]
    [InlineData("memmap=16G@4G")]
    [InlineData("memmap=16G$4G")]
    public void Plan_CommandLineRangeThatDoesNotCoverTheRegion_IsNotTrusted(string commandLine)
    {
        var plan = KexecPlanner.Plan(DevDax(), commandLine);

        Assert.False(plan.AlreadyReserved);
        Assert.Equal("memmap=16G!4G", plan.Memmap);
    }

    [Fact]
    public void Plan_OddlySizedRegion_UsesTheLargestExactSuffixForEach()
    {
        // 6 GiB + 2 MiB at 64 GiB + 2 MiB: neither is a whole number of GiB.
        var plan = KexecPlanner.Plan(DevDax(start: (64UL << 30) + (2UL << 20), size: (6UL << 30) + (2UL << 20)), string.Empty);

        Assert.Equal("memmap=6146M!65538M", plan.Memmap);
    }

    /// <summary>
    /// What the real-kexec lab measured: memmap=512M!1G and ndctl create-namespace --mode=devdax give a /dev/dax0.0 of
    /// 502 MiB at 0x40a00000 (the info block and page structures come first) in region0 = [0x40000000, +512 MiB).
    /// </summary>
    private static readonly PhysicalRange s_labRegion = new(0x4000_0000, 512UL << 20, "/sys/devices/platform/e820_pmem/ndbus0/region0");

    [Fact]
    public void Plan_DevDaxInsideAPmemRegion_ReservesTheRegion_NotTheDevicesOwnRange()
    {
        var plan = KexecPlanner.Plan(DevDax(start: 0x40a0_0000, size: 526_385_152), PlainCommandLine, s_labRegion);

        Assert.Equal("memmap=512M!1G", plan.Memmap);
        Assert.False(plan.AlreadyReserved);
        Assert.EndsWith("--append='memmap=512M!1G'", plan.LoadCommand, StringComparison.Ordinal);
        Assert.Equal(0x40a0_0000UL, plan.PhysicalStart);
        Assert.Equal(s_labRegion, plan.Reserved);
    }

    [Fact]
    public void Plan_CommandLineThatCoversTheDeviceButNotTheWholeRegion_IsNotTrusted()
    {
        // Covers dax0.0 (0x40a00000, 502 MiB) but not the info block at 0x40000000.
        var plan = KexecPlanner.Plan(DevDax(start: 0x40a0_0000, size: 526_385_152), "memmap=502M!1034M", s_labRegion);

        Assert.False(plan.AlreadyReserved);
        Assert.Equal("memmap=512M!1G", plan.Memmap);
        Assert.True(KexecPlanner.Plan(DevDax(start: 0x40a0_0000, size: 526_385_152), "memmap=512M!1G", s_labRegion).AlreadyReserved);
    }

    [Fact]
    public void Plan_RegionThatDoesNotHoldTheDevice_Fails()
    {
        var refusal = Assert.Throws<CliException>(() => KexecPlanner.Plan(DevDax(), PlainCommandLine, s_labRegion));

        Assert.Equal(1, refusal.ExitCode);
        Assert.Contains("does not hold the device", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_HumanText_NamesThePmemRegion()
    {
        var output = new StringWriter { NewLine = "\n" };
        PlanKexecCommand.Write(output, KexecPlanner.Plan(DevDax(start: 0x40a0_0000, size: 526_385_152), "memmap=512M!1G", s_labRegion));

        Assert.StartsWith(
            """
            # region /dev/dax0.0: 502.0 MiB at physical 0x40a00000-0x5fffffff
            # held by the persistent-memory region /sys/devices/platform/e820_pmem/ndbus0/region0: 512.0 MiB at physical 0x40000000-0x5fffffff (the namespace's info block comes first)
            # reservation: memmap=512M!1G

            """.TrimEnd('\n') + "\n",
            output.ToString());
    }

    [Fact]
    public void Plan_FileBackend_IsRefusedByState()
    {
        var region = new RegionInfo { Backend = Backend.File, Path = "/dev/shm/liveupdate/region", SizeBytes = 1UL << 30, PhysicalBase = 0x1_0000_0000, PhysicalBaseSimulated = true };

        var refusal = Assert.Throws<CliException>(() => KexecPlanner.Plan(region, PlainCommandLine));

        Assert.Equal(4, refusal.ExitCode);
        Assert.StartsWith("the region is a file on tmpfs (/dev/shm/liveupdate/region); it does not survive a kexec", refusal.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The namespaces backend as the lab runs it: memmap=2G!4G bound to ramdax is region0 = [4 GiB, +2 GiB); the daemon's
    /// physical base is its metadata namespace's device, inside it.
    /// </summary>
    private static readonly PhysicalRange s_ramdaxRegion = new(0x1_0000_0000, 2UL << 30, "/sys/bus/nd/devices/region0");

    private static RegionInfo Namespaces() => new()
    {
        Backend = Backend.Namespaces,
        Path = "/sys/bus/nd/devices/region0",
        SizeBytes = 64UL << 20,
        PhysicalBase = 0x1_0020_0000,
        PhysicalBaseSimulated = false,
        State = LifecycleState.Active,
    };

    [Fact]
    public void Plan_Namespaces_ReservesTheRamdaxRegion_AndTheRunningKernelHasRamdax()
    {
        var plan = KexecPlanner.Plan(Namespaces(), "root=/dev/vda1 memmap=2G!4G", s_ramdaxRegion);

        Assert.Equal("memmap=2G!4G", plan.Memmap);
        Assert.True(plan.AlreadyReserved);
        Assert.Equal(Backend.Namespaces, plan.Backend);
        Assert.Equal(NextKernel.Running, plan.Next);
        Assert.Equal("kexec -l /boot/vmlinuz-$(uname -r) --initrd=/boot/initrd.img-$(uname -r) --reuse-cmdline", plan.LoadCommand);
        Assert.Equal(KexecPlanner.Plan(Namespaces(), PlainCommandLine, s_ramdaxRegion).Memmap, plan.Memmap);
    }

    [Fact]
    public void Plan_Namespaces_NextKernelWithoutRamdax_IsRefused_ExitFour()
    {
        var next = new NextKernel("6.1.0-40-amd64", false, "/boot/config-6.1.0-40-amd64");

        var refusal = Assert.Throws<CliException>(() => KexecPlanner.Plan(Namespaces(), "memmap=2G!4G", s_ramdaxRegion, next));

        Assert.Equal(4, refusal.ExitCode);
        Assert.StartsWith(
            "the region is on the namespaces backend and kernel 6.1.0-40-amd64 has no ramdax driver (CONFIG_RAMDAX is not set in /boot/config-6.1.0-40-amd64)",
            refusal.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_Namespaces_NamedNextKernel_IsLoaded_AndAnUnknownConfigIsSaid()
    {
        var withRamdax = KexecPlanner.Plan(Namespaces(), "memmap=2G!4G", s_ramdaxRegion, new NextKernel("7.3.4+deb13-amd64", true, "/boot/config-7.3.4+deb13-amd64"));
        Assert.Equal("kexec -l /boot/vmlinuz-7.3.4+deb13-amd64 --initrd=/boot/initrd.img-7.3.4+deb13-amd64 --reuse-cmdline", withRamdax.LoadCommand);

        var output = new StringWriter { NewLine = "\n" };
        PlanKexecCommand.Write(output, KexecPlanner.Plan(Namespaces(), "memmap=2G!4G", s_ramdaxRegion, new NextKernel("7.4.1-amd64", null, null)));
        Assert.Contains(
            """
            # reservation: memmap=2G!4G
            # namespaces backend: the next kernel needs the ramdax driver (CONFIG_RAMDAX) and the range bound to it at boot (deploy/install.sh --namespaces)
            # kernel 7.4.1-amd64: no config found (/boot/config-7.4.1-amd64, /lib/modules/7.4.1-amd64/config): make sure it is built with CONFIG_RAMDAX

            """.TrimEnd('\n'),
            output.ToString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_Namespaces_WithoutTheRegionsRange_Fails()
    {
        var failure = Assert.Throws<CliException>(() => KexecPlanner.Plan(Namespaces(), "memmap=2G!4G"));

        Assert.Equal(1, failure.ExitCode);
        Assert.Contains("sysfs does not say where the namespaces region /sys/bus/nd/devices/region0 lies", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_DevDaxWithoutARealPhysicalAddress_Fails()
    {
        var region = DevDax();
        region.PhysicalBaseSimulated = true;

        Assert.Equal(1, Assert.Throws<CliException>(() => KexecPlanner.Plan(region, PlainCommandLine)).ExitCode);
    }
}
