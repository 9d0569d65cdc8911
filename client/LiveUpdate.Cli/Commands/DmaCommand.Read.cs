using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary><c>luctl dma ls</c>, <c>dma mappings DOMAIN</c> and <c>dma translate (--domain N | --device PCI) IOVA</c>.</summary>
internal static partial class DmaCommand
{
    private static Command CreateList(CommandSetup setup)
    {
        var command = new Command("ls", "List the IOMMU domains: width, devices, mappings, mapped bytes, tables, and the root table's physical address");
        setup.Describe(command, """
            The root table's physical address is where a kernel that adopts the tables, or an outside checker, starts its
            walk (0 until a device has been attached).

            JSON (--json): the ListDomainsResponse message: domains[] {id, address_width, levels, devices[], mapped_bytes,
              mapping_count, table_pages, top_table_physical, owner_uid, vm_uuid, path, created_at},
              root_table_physical_address.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            ListDomainsResponse response = await context.Client.ListDomainsAsync(cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, response);
                return ExitCodes.Ok;
            }

            context.Out.WriteLine(response.RootTablePhysicalAddress == 0
                ? "root table: none yet (no device has been attached)"
                : $"root table: {Humanize.Hex(response.RootTablePhysicalAddress)} (physical)");
            if (response.Domains.Count == 0)
            {
                context.Out.WriteLine("no IOMMU domains");
                return ExitCodes.Ok;
            }

            var table = Table.WithHeaders("DOMAIN", "WIDTH", "LEVELS", "DEVICES", "MAPPINGS", "MAPPED", "TABLE PAGES", "TOP TABLE", "OWNER", "VM UUID")
                .AlignRight(0, 1, 2, 4, 5, 6, 8);
            foreach (DmaDomain domain in response.Domains)
            {
                table.Add(
                    Humanize.Number(domain.Id),
                    Humanize.Number(domain.AddressWidth),
                    Humanize.Number(domain.Levels),
                    domain.Devices.Count == 0 ? "-" : string.Join(',', domain.Devices),
                    Humanize.Number(domain.MappingCount),
                    Humanize.Size(domain.MappedBytes),
                    Humanize.Number(domain.TablePages),
                    Humanize.Hex(domain.TopTablePhysical),
                    Humanize.Number(domain.OwnerUid),
                    Humanize.OrDash(domain.VmUuid));
            }

            table.Write(context.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateMappings(CommandSetup setup)
    {
        var domain = DomainArgument();
        var command = new Command("mappings", "List a domain's mappings in IOVA order: the record a VMM replays through iommufd/VFIO after the kexec") { domain };
        setup.Describe(command, """
            JSON (--json): {"domain_id": DOMAIN, "mappings": [DmaMapping, ...]}, each DmaMapping {domain_id, iova, length,
              path, file_offset, readable, writable, pages_4k, pages_2m, pages_1g}.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            uint id = context.Get(domain);
            IReadOnlyList<DmaMapping> mappings = await context.Client.ListMappingsAsync(id, cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("domain_id", id);
                    writer.WriteStartArray("mappings");
                    foreach (DmaMapping mapping in mappings)
                    {
                        ProtoJson.Write(writer, mapping);
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
                return ExitCodes.Ok;
            }

            context.Out.WriteLine(
                $"domain {id}: {Humanize.Count(mappings.Count, "mapping")}, {Humanize.Size((ulong)mappings.Sum(m => (decimal)m.Length))}");
            if (mappings.Count == 0)
            {
                return ExitCodes.Ok;
            }

            var table = Table.WithHeaders("IOVA", "LENGTH", "SIZE", "PERM", "FILE OFFSET", "LEAVES", "PATH").AlignRight(0, 1, 2, 4);
            foreach (DmaMapping mapping in mappings)
            {
                table.Add(
                    Humanize.Hex(mapping.Iova),
                    Humanize.Hex(mapping.Length),
                    Humanize.Size(mapping.Length),
                    Perm(mapping.Readable, mapping.Writable),
                    Humanize.Hex(mapping.FileOffset),
                    Leaves(mapping),
                    mapping.Path);
            }

            table.Write(context.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateTranslate(CommandSetup setup)
    {
        var domain = new Option<uint?>("--domain")
        {
            Description = "Walk from this domain's top-level table",
            HelpName = "DOMAIN",
            CustomParser = result => ArgumentParsers.DomainId(result),
        };
        var device = new Option<string?>("--device")
        {
            Description = "Walk from the root table, through this device's root and context entries, as the IOMMU does",
            HelpName = "PCI",
            CustomParser = ArgumentParsers.Pci,
        };
        var iova = IovaArgument("The I/O virtual address to translate (0x hex or decimal)");
        var command = new Command("translate", "Walk the persistent VT-d tables for IOVA: physical address, region offset, page size, permissions") { domain, device, iova };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(domain) is null) == (result.GetResult(device) is null))
            {
                result.AddError("give exactly one of --domain DOMAIN and --device PCI: where the walk starts");
            }
        });
        setup.Describe(command, """
            Examples:
              luctl dma translate --domain 5 0x40001234
              luctl dma translate --device 0000:01:00.0 0x40001234

            Unmapped IOVAs are NOT_FOUND (exit 1): the walk met an entry that is not present.

            JSON (--json): the TranslateResponse message: domain_id, iova, physical_address, region_offset, page_size,
              readable, writable, entries_read, path, file_offset.
            """);
        setup.SetAction(command, async (context, cancellationToken) =>
        {
            ulong address = context.Get(iova);
            string? pci = context.Get(device);
            TranslateResponse translation = pci is null
                ? await context.Client.TranslateAsync(context.Get(domain)!.Value, address, cancellationToken).ConfigureAwait(false)
                : await context.Client.TranslateAsync(pci, address, cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                JsonOutput.Write(context.Out, translation);
                return ExitCodes.Ok;
            }

            var facts = Table.KeyValue();
            facts.Add("iova", Humanize.Hex(translation.Iova));
            facts.Add("walk", pci is null
                ? $"from domain {translation.DomainId}'s top-level table, {Humanize.Count(translation.EntriesRead, "entry", "entries")} read"
                : $"from the root table through {pci.ToLowerInvariant()}'s root and context entries, {Humanize.Count(translation.EntriesRead, "entry", "entries")} read");
            facts.Add("domain", Humanize.Number(translation.DomainId));
            facts.Add("physical address", Humanize.Hex(translation.PhysicalAddress));
            facts.Add("region offset", Humanize.Hex(translation.RegionOffset));
            facts.Add("page size", Humanize.Size(translation.PageSize));
            facts.Add("permissions", Permissions(translation.Readable, translation.Writable));
            facts.Add("file", string.IsNullOrEmpty(translation.Path) ? "-" : $"{translation.Path} at offset {Humanize.Hex(translation.FileOffset)}");
            facts.Write(context.Out);
            return ExitCodes.Ok;
        });
        return command;
    }
}
