using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// <c>luctl dma create-domain</c>, <c>attach</c>, <c>detach</c>, <c>map</c>, <c>unmap</c> and <c>destroy</c>: the
/// operator's hands on the Dma service (a VMM makes the same calls through LiveUpdate.Client).
/// </summary>
internal static partial class DmaCommand
{
    private static Command CreateDomainCommand(CommandSetup setup)
    {
        var domain = DomainArgument("The new domain's id (1-65535; VT-d reserves 0)");
        var width = new Option<uint>("--width")
        {
            Description = "Input address width in bits: 39, 48 or 57 (3, 4 or 5 levels of tables)",
            HelpName = "BITS",
            DefaultValueFactory = _ => 48,
            CustomParser = ArgumentParsers.AddressWidth,
        };
        var vm = new Option<Guid?>("--vm") { Description = "The VM whose devices will use the domain", HelpName = "UUID", CustomParser = ArgumentParsers.Uuid };
        var owner = new Option<uint?>("--owner") { Description = "Owner uid [default: the caller]; only root and the admin group may name another", HelpName = "UID", CustomParser = ArgumentParsers.Uid };
        var command = new Command("create-domain", "Create an empty IOMMU domain (its top-level table and its mapping record)") { domain, width, vm, owner };
        setup.Describe(command, """
            Example: luctl dma create-domain 5 --width 48 --vm 3f2504e0-4f89-11d3-9a0c-0305e82c3301

            JSON (--json): the new DmaDomain, as in 'luctl dma ls --json'.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            DmaDomain created = await context.Client.CreateDomainAsync(
                context.Get(domain), context.Get(width), context.Get(vm), context.Get(owner), cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, created);
            }
            else
            {
                context.Out.WriteLine(
                    $"created IOMMU domain {created.Id}: {created.AddressWidth}-bit ({created.Levels} levels), top table at {Humanize.Hex(created.TopTablePhysical)}, owner {created.OwnerUid}"
                    + (string.IsNullOrEmpty(created.VmUuid) ? string.Empty : $", VM {created.VmUuid}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateAttach(CommandSetup setup)
    {
        var domain = DomainArgument();
        var pci = PciArgument("The PCI function to attach (0000:01:00.0)");
        var command = new Command("attach", "Attach a PCI function to a domain: its root and context entries point at the domain's tables") { domain, pci };
        setup.Describe(command, """
            Prints the entries as the tables now hold them (VT-d legacy mode): the bus's root entry (present, context
            table pointer) and the device's context entry (present, second-level table pointer; address width and domain
            id in the high word). A device is in one domain at a time (ALREADY_EXISTS, exit 1).

            JSON (--json): the AttachDeviceResponse message: domain (a DmaDomain), pci_address,
              root_table_physical_address, root_entry_low, root_entry_high, context_table_physical_address,
              context_entry_low, context_entry_high.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            AttachDeviceResponse attached = await context.Client.AttachDeviceAsync(context.Get(domain), context.Get(pci)!, cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, attached);
                return ExitCodes.Ok;
            }

            context.Out.WriteLine($"attached {attached.PciAddress} to IOMMU domain {attached.Domain.Id}");
            var facts = Table.KeyValue();
            facts.Add("root table", Humanize.Hex(attached.RootTablePhysicalAddress));
            facts.Add("root entry", $"{Word(attached.RootEntryHigh)} {Word(attached.RootEntryLow)} (high, low)");
            facts.Add("context table", Humanize.Hex(attached.ContextTablePhysicalAddress));
            facts.Add("context entry", $"{Word(attached.ContextEntryHigh)} {Word(attached.ContextEntryLow)} (high, low)");
            facts.Add("devices", string.Join(',', attached.Domain.Devices));
            facts.Write(context.Out, "  ");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateDetach(CommandSetup setup)
    {
        var pci = PciArgument("The PCI function to detach (0000:01:00.0)");
        var command = new Command("detach", "Detach a PCI function from its domain: its context entry is cleared") { pci };
        setup.Describe(command, """
            JSON (--json): the DetachDeviceResponse message: domain (the DmaDomain without the device), pci_address.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            DetachDeviceResponse detached = await context.Client.DetachDeviceAsync(context.Get(pci)!, cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, detached);
            }
            else
            {
                context.Out.WriteLine(
                    $"detached {detached.PciAddress} from IOMMU domain {detached.Domain.Id} (devices left: {(detached.Domain.Devices.Count == 0 ? "none" : string.Join(',', detached.Domain.Devices))})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateMap(CommandSetup setup)
    {
        var domain = DomainArgument();
        var iova = IovaArgument("Where the mapping starts in the domain's I/O address space (0x hex or decimal; 4 KiB aligned)");
        var path = new Argument<string>("PATH") { Description = "A guest-memory file of the region" }.RegionPath();
        var offset = new Option<ulong>("--offset")
        {
            Description = "Where in the file the mapping starts (0x hex or a size; 4 KiB aligned) [default: 0]",
            HelpName = "OFFSET",
            CustomParser = ArgumentParsers.AddressOrSize,
        };
        var length = new Option<ulong?>("--length")
        {
            Description = $"How many bytes to map (0x hex or a size, {ByteSize.Examples}) [default: the rest of the file]",
            HelpName = "SIZE",
            CustomParser = result => ArgumentParsers.AddressOrSize(result),
        };
        var readOnly = new Option<bool>("--read-only") { Description = "The device may only read (DMA to memory is refused)" };
        var writeOnly = new Option<bool>("--write-only") { Description = "The device may only write" };
        var command = new Command("map", "DMA-map part of a guest-memory file at an IOVA of a domain (read-write unless told otherwise)")
        {
            domain, iova, path, offset, length, readOnly, writeOnly,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(readOnly) is { Implicit: false } && result.GetResult(writeOnly) is { Implicit: false })
            {
                result.AddError("--read-only and --write-only exclude each other (a mapping without either is read-write)");
            }
        });
        setup.Describe(command, """
            Examples:
              luctl dma map 5 0x0 /vm/web-01/ram                      the whole file at IOVA 0, read-write
              luctl dma map 5 0x100000000 /vm/web-01/ram --offset 1G --length 2G --read-only

            The file's extents stay pinned while mapped. An IOVA range that overlaps a mapping of the domain is
            ALREADY_EXISTS (exit 1); misaligned or out-of-range values are INVALID_ARGUMENT (exit 2).

            JSON (--json): the DmaMapping message: domain_id, iova, length, path, file_offset, readable, writable,
              pages_4k, pages_2m, pages_1g.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            string file = context.Get(path)!;
            ulong from = context.Get(offset);
            ulong bytes = context.Get(length) ?? await RestOfFileAsync(context, file, from, cancellationToken).ConfigureAwait(false);
            bool readable = !context.Get(writeOnly);
            bool writable = !context.Get(readOnly);
            DmaMapping mapping = await context.Client.MapDmaAsync(
                context.Get(domain), context.Get(iova), file, from, bytes, readable, writable, cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, mapping);
            }
            else
            {
                context.Out.WriteLine($"mapped in IOMMU domain {mapping.DomainId}: {Describe(mapping)} ({Leaves(mapping)})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateUnmap(CommandSetup setup)
    {
        var domain = DomainArgument();
        var iova = IovaArgument("Where the range starts (0x hex or decimal)");
        var length = new Argument<ulong>("LENGTH") { Description = "The range's length (0x hex or a size); it must cover every mapping it touches whole", CustomParser = ArgumentParsers.AddressOrSize };
        var command = new Command("unmap", "Unmap every mapping of a domain in an IOVA range; their files are unpinned") { domain, iova, length };
        setup.Describe(command, """
            A range that would split a mapping is INVALID_ARGUMENT (exit 2); a range with no mapping is NOT_FOUND (exit 1).

            JSON (--json): the UnmapResponse message: unmapped[] (DmaMapping, as in 'luctl dma mappings --json').
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            uint id = context.Get(domain);
            IReadOnlyList<DmaMapping> unmapped = await context.Client.UnmapDmaAsync(id, context.Get(iova), context.Get(length), cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                var response = new UnmapResponse();
                response.Unmapped.AddRange(unmapped);
                JsonOutput.Write(context.Out, response);
                return ExitCodes.Ok;
            }

            context.Out.WriteLine($"unmapped {Humanize.Count(unmapped.Count, "mapping")} from IOMMU domain {id}:");
            foreach (DmaMapping mapping in unmapped)
            {
                context.Out.WriteLine("  " + Describe(mapping));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateDestroy(CommandSetup setup)
    {
        var domain = DomainArgument("The domain to destroy, with its tables and mappings");
        var command = new Command("destroy", "Destroy a domain: its mappings are removed (their files unpinned), its devices detached, its tables freed") { domain };
        setup.Describe(command, """
            JSON (--json): the DestroyDomainResponse message: domain (the DmaDomain as it was just before).
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            DestroyDomainResponse destroyed = await context.Client.DestroyDomainAsync(context.Get(domain), cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, destroyed);
            }
            else
            {
                DmaDomain was = destroyed.Domain;
                context.Out.WriteLine(
                    $"destroyed IOMMU domain {was.Id}: {Humanize.Count((long)was.MappingCount, "mapping")} ({Humanize.Size(was.MappedBytes)}) removed, devices detached: "
                    + (was.Devices.Count == 0 ? "none" : string.Join(',', was.Devices)));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The file's size past <paramref name="offset"/>: what <c>map</c> maps without <c>--length</c>.</summary>
    private static async Task<ulong> RestOfFileAsync(CommandContext context, string path, ulong offset, CancellationToken cancellationToken)
    {
        ulong size = (await context.Client.StatAsync(path, cancellationToken).ConfigureAwait(false)).SizeBytes;
        return offset < size
            ? size - offset
            : throw new Errors.CliException(ExitCodes.Usage, $"--offset {Humanize.Hex(offset)} is at or past the end of {path} ({Humanize.Size(size)}); fix the argument (see --help)");
    }

    /// <summary>A 64-bit table word: <c>0x0000000100203001</c>.</summary>
    private static string Word(ulong value) => "0x" + value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
