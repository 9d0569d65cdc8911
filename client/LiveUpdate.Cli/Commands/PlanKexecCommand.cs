using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Cli.Planning;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// <c>luctl plan-kexec</c>: the region's <c>memmap=</c> reservation and the <c>kexec -l</c> line that keeps it for the next
/// kernel (Files.GetRegion, plus this host's <c>/proc/cmdline</c>); see <see cref="KexecPlanner"/>.
/// </summary>
internal static class PlanKexecCommand
{
    /// <summary>The running kernel's command line.</summary>
    private const string CommandLinePath = "/proc/cmdline";

    /// <summary>Where sysfs is mounted.</summary>
    private const string SysfsRoot = "/sys";

    /// <summary>Defines the command.</summary>
    public static Command Create(CommandSetup setup)
    {
        var kernel = new Option<string?>("--kernel")
        {
            Description = "The next kernel's release (uname -r of it), when it is not the running one: named in the kexec line, and on the namespaces backend checked for the ramdax driver",
            HelpName = "RELEASE",
        };
        kernel.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string?>();
            if (value is not null && !IsRelease(value))
            {
                result.AddError($"--kernel: '{value}' is not a kernel release (letters, digits and . _ + ~ -, e.g. 7.3.4+deb13-amd64)");
            }
        });
        var command = new Command("plan-kexec", "Print the region's memmap= reservation and the kexec command that keeps it for the next kernel") { kernel };
        setup.Describe(command, """
            The reservation is memmap=SIZE!START (kernel-parameters.txt: the range becomes persistent memory, e820 type
            12), with SIZE and START in the kernel's memparse() notation: a decimal number with the largest binary
            suffix that divides it exactly (K, M, G, T = 2^10 ... 2^40), e.g. memmap=16G!4G for 16 GiB at 0x100000000.

            When the running kernel's command line (/proc/cmdline) already has a memmap=...!... that covers the region,
            that one is the reservation, as written, and the kexec line reuses the command line without appending it
            again (appending on every update would grow the command line). Otherwise the line appends it:
              kexec -l /boot/vmlinuz-$(uname -r) --initrd=/boot/initrd.img-$(uname -r) --reuse-cmdline --append='memmap=16G!4G'
            The single quotes keep an interactive shell from expanding '!'. $(uname -r) loads the running kernel's
            release again: put the new kernel's release there to update the kernel. Then, after 'luctl freeze' ended
            FROZEN: systemctl kexec.

            A file region (the development backend on tmpfs) does not survive a kexec: refused, exit 4.

            On the namespaces backend (--region /sys/bus/nd/devices/regionN) the range to reserve is that ramdax
            region, and the next kernel must have the ramdax driver (CONFIG_RAMDAX) and bind the range to it at boot
            (deploy/install.sh --namespaces): without it the range comes back as a label-less pmem region and no VM's
            namespace is found. The running kernel has it (its region is bound to ramdax); --kernel RELEASE checks
            another one's config (/boot/config-RELEASE, else /lib/modules/RELEASE/config): refused, exit 4, when it
            does not set CONFIG_RAMDAX; said when no config is found.

            The range to reserve is the persistent-memory region that holds the device (sysfs: the regionN folder above
            /sys/bus/dax/devices/daxN.M, its resource and size), not the device's own range: a devdax namespace keeps
            its info block and page structures before the device's first byte, so memmap=512M!1G gives a dax0.0 of
            502 MiB at 0x40a00000, and the reservation must still be 512M!1G. When sysfs does not say, the device's
            own range is used.

            JSON (--json): {"device", "physical_start", "size_bytes", "memmap", "already_reserved", "kexec_load",
              "kexec_exec", "reserved_start", "reserved_size_bytes", "reserved_source", "backend", "next_kernel",
              "ramdax", "ramdax_config"} (reserved_* null when sysfs did not say; next_kernel null for the running
              kernel; ramdax true, false or null (unknown) on the namespaces backend, null on devdax; ramdax_config the
              config read, or null).
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            RegionInfo region = await context.Client.GetRegionAsync(cancellationToken).ConfigureAwait(false);
            bool reserves = region.Backend is Backend.Devdax or Backend.Namespaces;
            string commandLine = reserves && File.Exists(CommandLinePath)
                ? await File.ReadAllTextAsync(CommandLinePath, cancellationToken).ConfigureAwait(false)
                : string.Empty;
            PhysicalRange? reserved = region.Backend switch
            {
                Backend.Devdax => NdRegionSysfs.Find(SysfsRoot, region.Path),
                Backend.Namespaces => NdRegionSysfs.Read(region.Path),
                _ => null,
            };
            NextKernel? next = context.Get(kernel) is { } release ? KernelConfig.Read(release) : null;
            KexecPlan plan = KexecPlanner.Plan(region, commandLine, reserved, next);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("device", plan.Device);
                    writer.WriteNumber("physical_start", plan.PhysicalStart);
                    writer.WriteNumber("size_bytes", plan.SizeBytes);
                    writer.WriteString("memmap", plan.Memmap);
                    writer.WriteBoolean("already_reserved", plan.AlreadyReserved);
                    writer.WriteString("kexec_load", plan.LoadCommand);
                    writer.WriteString("kexec_exec", plan.ExecCommand);
                    if (plan.Reserved is { } holder)
                    {
                        writer.WriteNumber("reserved_start", holder.Start);
                        writer.WriteNumber("reserved_size_bytes", holder.Size);
                        writer.WriteString("reserved_source", holder.Source);
                    }
                    else
                    {
                        writer.WriteNull("reserved_start");
                        writer.WriteNull("reserved_size_bytes");
                        writer.WriteNull("reserved_source");
                    }

                    writer.WriteString("backend", EnumNames.Of(plan.Backend));
                    WriteStringOrNull(writer, "next_kernel", plan.Next?.Release);
                    if (plan.Backend == Backend.Namespaces && plan.Next?.Ramdax is { } ramdax)
                    {
                        writer.WriteBoolean("ramdax", ramdax);
                    }
                    else
                    {
                        writer.WriteNull("ramdax");
                    }

                    WriteStringOrNull(writer, "ramdax_config", plan.Next?.ConfigPath);
                    writer.WriteEndObject();
                });
            }
            else
            {
                Write(context.Out, plan);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>True for a kernel release as <c>uname -r</c> prints one (no path separators, no leading dot).</summary>
    internal static bool IsRelease(string value) =>
        value.Length is > 0 and <= 64 && value[0] != '.' && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '~' or '-');

    private static void WriteStringOrNull(System.Text.Json.Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>The human form of <paramref name="plan"/>.</summary>
    internal static void Write(TextWriter output, KexecPlan plan)
    {
        ulong last = plan.PhysicalStart + plan.SizeBytes - 1;
        output.WriteLine($"# region {plan.Device}: {Humanize.Size(plan.SizeBytes)} at physical {Humanize.Hex(plan.PhysicalStart)}-{Humanize.Hex(last)}");
        if (plan.Reserved is { } holder)
        {
            output.WriteLine($"# held by the persistent-memory region {holder.Source}: {Humanize.Size(holder.Size)} at physical {Humanize.Hex(holder.Start)}-{Humanize.Hex(holder.Start + holder.Size - 1)} (the namespace's info block comes first)");
        }

        output.WriteLine($"# reservation: {plan.Memmap}");
        if (plan.Backend == Backend.Namespaces)
        {
            output.WriteLine("# namespaces backend: the next kernel needs the ramdax driver (CONFIG_RAMDAX) and the range bound to it at boot (deploy/install.sh --namespaces)");
            output.WriteLine(plan.Next is { Release: { } release } next
                ? next.Ramdax == true
                    ? $"# kernel {release} has it ({next.ConfigPath})"
                    : $"# kernel {release}: no config found (/boot/config-{release}, /lib/modules/{release}/config): make sure it is built with CONFIG_RAMDAX"
                : "# the running kernel has it (its region is bound to ramdax)");
        }

        output.WriteLine(plan.AlreadyReserved
            ? "# the running kernel's command line has it already; --reuse-cmdline passes it on to the next kernel"
            : "# not on the running kernel's command line: --append adds it for the next kernel");
        output.WriteLine("# after 'luctl freeze' ended FROZEN ($(uname -r): put the new kernel's release there to change kernels):");
        output.WriteLine(plan.LoadCommand);
        output.WriteLine(plan.ExecCommand);
    }
}
