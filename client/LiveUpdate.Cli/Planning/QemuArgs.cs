using System.Globalization;
using LiveUpdate.Cli.Errors;
using LiveUpdate.Cli.Output;
using LiveUpdate.Cli.Sizes;
using LiveUpdate.Protocol.V1;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Cli.Planning;

/// <summary>
/// Builds the QEMU (≥ 8.1) options that map a guest-memory file of the region as the guest's RAM, straight from the
/// region (zero copy): one <c>memory-backend-file</c> per extent, whose <c>offset=</c> (new in QEMU 8.1) is the extent's
/// region offset. A pure function: no I/O.
/// </summary>
/// <remarks>
/// How several backends become guest RAM: QEMU takes exactly one backend as the machine's boot RAM
/// (<c>-machine memory-backend=ID</c>, with <c>-m</c> equal to its size). A file of one extent — the usual case, the
/// allocator prefers contiguous space — is mapped that way. A file of several extents is mapped as one NUMA node per
/// extent (<c>-numa node,nodeid=N,memdev=ID</c>, <c>-m</c> the sum): every byte is ordinary boot RAM that the guest
/// sees from the start, in file order, on any machine type. The alternative, the first extent as boot RAM and the others
/// as <c>-device pc-dimm,memdev=ID</c> (with <c>-m SIZE,slots=N,maxmem=TOTAL</c>), keeps one NUMA node but gives the
/// guest hot-pluggable memory that needs ACPI memory hotplug and onlining in the guest; it is not used.
/// </remarks>
internal static class QemuArgs
{
    /// <summary>The alignment of every backend: devdax mappings are 2 MiB aligned, and so are the region's guest-memory extents.</summary>
    public const string Align = "2M";

    /// <summary>
    /// The plan for <paramref name="file"/> mapped through <paramref name="memPath"/>. Throws <see cref="CliException"/>
    /// for a file that is not guest memory (exit 2), or an extent map that does not cover the file exactly (exit 1).
    /// </summary>
    public static QemuPlan Build(FileInfo file, string memPath)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(memPath);
        if (file.Kind != FileKind.GuestMemory)
        {
            throw new CliException(ExitCodes.Usage, $"{file.Path} is {EnumNames.Of(file.Kind)}, not GUEST_MEMORY: qemu-args maps guest memory only");
        }

        Extent[] extents = [.. file.Extents.OrderBy(e => e.FileOffset)];
        ulong expected = 0;
        foreach (Extent extent in extents)
        {
            if (extent.FileOffset != expected || extent.Length == 0)
            {
                throw new CliException(ExitCodes.Failed, $"the extent map of {file.Path} has a hole or an overlap at file offset {Humanize.Hex(expected)}");
            }

            expected += extent.Length;
        }

        if (extents.Length == 0 || expected != file.SizeBytes)
        {
            throw new CliException(ExitCodes.Failed, $"the extents of {file.Path} cover {expected} of its {file.SizeBytes} bytes");
        }

        string path = memPath.Replace(",", ",,", StringComparison.Ordinal); // QEMU's option syntax doubles a literal comma
        var backends = new List<QemuBackend>(extents.Length);
        var arguments = new List<string>();
        for (int i = 0; i < extents.Length; i++)
        {
            Extent extent = extents[i];
            string id = "lu-ram" + i.ToString(CultureInfo.InvariantCulture);
            string value = $"memory-backend-file,id={id},mem-path={path},offset={SuffixFormat.Format(extent.RegionOffset)}," +
                $"size={SuffixFormat.Format(extent.Length)},share=on,align={Align}";
            backends.Add(new QemuBackend(id, extent.FileOffset, extent.RegionOffset, extent.Length, value));
            arguments.Add("-object");
            arguments.Add(value);
        }

        if (backends.Count == 1)
        {
            arguments.AddRange(["-machine", "memory-backend=" + backends[0].Id, "-m", SuffixFormat.Format(file.SizeBytes)]);
        }
        else
        {
            arguments.AddRange(["-m", SuffixFormat.Format(file.SizeBytes)]);
            for (int i = 0; i < backends.Count; i++)
            {
                arguments.AddRange(["-numa", string.Create(CultureInfo.InvariantCulture, $"node,nodeid={i},memdev={backends[i].Id}")]);
            }
        }

        return new QemuPlan(file.Path, memPath, file.SizeBytes, backends, arguments);
    }
}
