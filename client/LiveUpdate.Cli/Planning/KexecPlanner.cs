using LiveUpdate.Cli.Errors;
using LiveUpdate.Cli.Output;
using LiveUpdate.Cli.Sizes;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Planning;

/// <summary>
/// Works out the <c>memmap=</c> reservation of a device-DAX or namespaces region and the <c>kexec -l</c> line that keeps it
/// for the next kernel, from the region's facts (GetRegion), the running kernel's command line and what is known of the
/// next kernel. A pure function: no I/O.
/// </summary>
/// <remarks>
/// The reservation is <c>memmap=SIZE!START</c> (<c>Documentation/admin-guide/kernel-parameters.txt</c>: "mark
/// specific memory as protected … as e820 type 12 (0xc)"), SIZE and START written for <c>memparse()</c> with the
/// largest exact binary suffix (<see cref="SuffixFormat"/>: <c>16G!4G</c>). When a <c>memmap=…!…</c> of the running
/// command line already covers the region, that range is the reservation, as written: the namespace lives at the range
/// it was created on, and <c>--reuse-cmdline</c> passes it on unchanged, so nothing is appended (appending it again on
/// every update would grow the command line until the kernel truncates it). Otherwise the region's own range is
/// appended with <c>--append='…'</c>, single-quoted so that an interactive shell does not expand the <c>!</c>.
/// The range to reserve is the persistent-memory region that holds the device (<see cref="NdRegionSysfs"/>) when it is
/// known, not the device's own range, which starts after the namespace's info block (found by the real-kexec lab:
/// <c>memmap=512M!1G</c> gives a <c>/dev/dax0.0</c> of 502 MiB at 0x40a00000, and reserving just that loses the device).
/// On the namespaces backend the range is the ramdax region itself (its labels live at its end), and the next kernel must
/// have the ramdax driver: without it the range comes back as a label-less pmem region and no VM's namespace is found.
/// </remarks>
internal static class KexecPlanner
{
    /// <summary>The command that boots the loaded kernel (systemd stops services first, the daemon among them).</summary>
    public const string ExecCommand = "systemctl kexec";

    /// <summary>
    /// The plan for <paramref name="region"/>; throws <see cref="CliException"/> (exit 4) for a file region, which lives
    /// in tmpfs and is gone after a kexec, and for a namespaces region when the next kernel has no ramdax driver; (exit 1)
    /// when the daemon did not report the device's real physical range, or sysfs not the namespaces region's.
    /// </summary>
    /// <param name="region">The daemon's GetRegion answer.</param>
    /// <param name="commandLine">The running kernel's command line.</param>
    /// <param name="reserved">
    /// The persistent-memory region holding the device, when sysfs said (it must cover the device); on the namespaces
    /// backend the ramdax region itself, which is needed.
    /// </param>
    /// <param name="next">The next kernel; null for the running one.</param>
    public static KexecPlan Plan(RegionInfo region, string commandLine, PhysicalRange? reserved = null, NextKernel? next = null)
    {
        ArgumentNullException.ThrowIfNull(region);
        ArgumentNullException.ThrowIfNull(commandLine);
        switch (region.Backend)
        {
            case Backend.File:
                throw new CliException(
                    ExitCodes.Refused,
                    $"the region is a file on tmpfs ({region.Path}); it does not survive a kexec. A live update needs a device-DAX region " +
                    "(/dev/daxN.M) in RAM reserved with memmap=; see the README on reserving memory");
            case Backend.Devdax:
                break;
            case Backend.Namespaces:
                next ??= NextKernel.Running;
                if (next.Ramdax == false)
                {
                    throw new CliException(
                        ExitCodes.Refused,
                        $"the region is on the namespaces backend and kernel {next.Release} has no ramdax driver (CONFIG_RAMDAX is not set in {next.ConfigPath}): " +
                        "after a kexec into it the range would be a label-less pmem region and no VM's namespace would come back; pick a kernel >= 6.19 built with CONFIG_RAMDAX");
                }

                if (reserved is null)
                {
                    throw new CliException(ExitCodes.Failed, $"sysfs does not say where the namespaces region {region.Path} lies (its resource and size); check {region.Path}");
                }

                break;
            default:
                throw new CliException(ExitCodes.Failed, $"the daemon reports a region backend luctl does not know ({EnumNames.Of(region.Backend)}); update luctl");
        }

        if (region.PhysicalBaseSimulated)
        {
            throw new CliException(
                ExitCodes.Failed,
                $"the daemon has no real physical address for {region.Path} (it reports a simulated one); check /sys/bus/dax/devices/*/resource");
        }

        ulong start = region.PhysicalBase;
        ulong size = region.SizeBytes;
        if (size == 0 || start > ulong.MaxValue - size)
        {
            throw new CliException(ExitCodes.Failed, $"the daemon reports an impossible range for {region.Path}: {size} bytes at {Humanize.Hex(start)}");
        }

        if (reserved is { } holder && !holder.Covers(start, size))
        {
            throw new CliException(
                ExitCodes.Failed,
                $"sysfs says {region.Path} lies in {holder.Source} ({Humanize.Hex(holder.Start)}, {holder.Size} bytes), which does not hold the device's " +
                $"{size} bytes at {Humanize.Hex(start)}: the daemon and sysfs disagree; check /sys/bus/dax/devices");
        }

        ulong reservedStart = reserved?.Start ?? start;
        ulong reservedSize = reserved?.Size ?? size;
        MemmapRange? kept = KernelCommandLine.PersistentRanges(commandLine).Cast<MemmapRange?>().FirstOrDefault(r => r!.Value.Covers(reservedStart, reservedSize));
        string memmap = "memmap=" + (kept?.Text ?? $"{SuffixFormat.Format(reservedSize)}!{SuffixFormat.Format(reservedStart)}");
        string release = next?.ReleaseText ?? "$(uname -r)";
        string load = $"kexec -l /boot/vmlinuz-{release} --initrd=/boot/initrd.img-{release} --reuse-cmdline"
            + (kept is null ? $" --append='{memmap}'" : string.Empty);
        return new KexecPlan(region.Path, start, size, memmap, kept is not null, load, ExecCommand, reserved, region.Backend, next);
    }
}
