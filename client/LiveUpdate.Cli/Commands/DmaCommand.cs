using System.CommandLine;
using LiveUpdate.Cli.Output;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// <c>luctl dma …</c>: the daemon's <c>liveupdate.v1.Dma</c> service (docs/design.md §8), persistent IOMMU domains. Reads:
/// <c>ls</c>, <c>mappings</c>, <c>translate</c> (<c>DmaCommand.Read.cs</c>); changes: <c>create-domain</c>,
/// <c>attach</c>, <c>detach</c>, <c>map</c>, <c>unmap</c>, <c>destroy</c> (<c>DmaCommand.Change.cs</c>).
/// </summary>
internal static partial class DmaCommand
{
    /// <summary>What the tables are for, said once in the group's help.</summary>
    private const string Purpose = """
        The region keeps, for each IOMMU domain, the record of every DMA mapping (IOVA, length, guest-memory file, file
        offset, permissions) and Intel VT-d tables built from the files' physical addresses. A stock kernel does not
        keep device DMA across a kexec: after it, each VMM replays its domain's mappings ('luctl dma mappings', or
        ListMappings) through iommufd/VFIO at the same IOVAs. The VT-d tables are ready-made for a kernel that adopts
        preserved tables (as the pkernfs patches did), starting from the root table 'luctl dma ls' shows; no stock
        kernel does, and the daemon never programs an IOMMU. A mapped file is pinned: shrinking or removing it is
        refused (exit 4) until it is unmapped.

        Numbers: DOMAIN is a decimal id, 1-65535; PCI is DDDD:BB:DD.F in hexadecimal (0000:01:00.0, as lspci -D prints
        it); IOVA is 0x hex or decimal; offsets and lengths are 0x hex or sizes (2M, 1GiB, 4096). IOVAs, offsets and
        lengths are 4 KiB aligned; 2 MiB (or 1 GiB) alignment of IOVA and file offset lets the tables use large pages.

        Who may: anyone may read; a domain's owner (its creator), root and the admin group may change it, and map
        only files they own.
        """;

    /// <summary>Defines <c>dma</c> and its subcommands.</summary>
    public static Command Create(CommandSetup setup)
    {
        var command = new Command("dma", "Persistent IOMMU (DMA) domains: their devices, their mappings, and the VT-d tables that hold them")
        {
            CreateList(setup),
            CreateMappings(setup),
            CreateTranslate(setup),
            CreateDomainCommand(setup),
            CreateAttach(setup),
            CreateDetach(setup),
            CreateMap(setup),
            CreateUnmap(setup),
            CreateDestroy(setup),
        };
        setup.Describe(command, Purpose);
        return command;
    }

    /// <summary>The DOMAIN argument: a domain id, 1–65535.</summary>
    private static Argument<uint> DomainArgument(string description = "The domain id (1-65535)") =>
        new("DOMAIN") { Description = description, CustomParser = ArgumentParsers.DomainId };

    /// <summary>A PCI argument: DDDD:BB:DD.F.</summary>
    private static Argument<string> PciArgument(string description) =>
        new("PCI") { Description = description, CustomParser = ArgumentParsers.Pci };

    /// <summary>An IOVA argument: 0x hex or decimal.</summary>
    private static Argument<ulong> IovaArgument(string description) =>
        new("IOVA") { Description = description, CustomParser = ArgumentParsers.Address };

    /// <summary><c>read-write</c>, <c>read-only</c> or <c>write-only</c>.</summary>
    internal static string Permissions(bool readable, bool writable) => (readable, writable) switch
    {
        (true, true) => "read-write",
        (true, false) => "read-only",
        (false, true) => "write-only",
        _ => "none",
    };

    /// <summary><c>rw</c>, <c>r-</c> or <c>-w</c>, for tables.</summary>
    internal static string Perm(bool readable, bool writable) => (readable ? "r" : "-") + (writable ? "w" : "-");

    /// <summary>The leaves a mapping takes: <c>2×2M</c>, <c>1×1G 16×4K</c>.</summary>
    internal static string Leaves(DmaMapping mapping)
    {
        var parts = new List<string>(3);
        if (mapping.Pages1G > 0)
        {
            parts.Add($"{mapping.Pages1G}×1G");
        }

        if (mapping.Pages2M > 0)
        {
            parts.Add($"{mapping.Pages2M}×2M");
        }

        if (mapping.Pages4K > 0)
        {
            parts.Add($"{mapping.Pages4K}×4K");
        }

        return parts.Count == 0 ? "-" : string.Join(' ', parts);
    }

    /// <summary>One mapping in a line: <c>IOVA 0x200000-0x600000 (4.0 MiB) -> /vm/ram at 0x0, read-write</c>.</summary>
    internal static string Describe(DmaMapping mapping) =>
        $"IOVA {Humanize.Hex(mapping.Iova)}-{Humanize.Hex(mapping.Iova + mapping.Length)} ({Humanize.Size(mapping.Length)}) -> {mapping.Path} at {Humanize.Hex(mapping.FileOffset)}, {Permissions(mapping.Readable, mapping.Writable)}";
}
