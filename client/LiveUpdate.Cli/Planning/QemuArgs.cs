using LiveUpdate.Cli.Errors;
using LiveUpdate.Cli.Output;
using LiveUpdate.Cli.Sizes;
using LiveUpdate.Protocol.V1;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Cli.Planning;

/// <summary>
/// Builds the QEMU (≥ 8.1) options that map a guest-memory file of the region as the guest's RAM, straight from the
/// region (zero copy): one <c>memory-backend-file</c> on the region's path whose <c>offset=</c> (new in QEMU 8.1) is
/// the file's region offset, made the machine's boot RAM (<c>-machine memory-backend=</c>, <c>-m</c>). A pure function:
/// no I/O.
/// </summary>
/// <remarks>
/// Only a file in one contiguous extent has such a form: QEMU takes exactly one backend as boot RAM, and a backend maps
/// one run of its file. Several extents would need several backends as NUMA nodes or hot-plugged DIMMs, which change
/// what the guest sees; such a file is refused with what to do instead (the allocator gives guest memory one extent
/// whenever the region has a free run that large).
/// </remarks>
internal static class QemuArgs
{
    /// <summary>The backend's object id.</summary>
    public const string BackendId = "lu-ram0";

    /// <summary>The alignment of the backend: devdax maps 2 MiB pages, and guest memory is 2 MiB aligned in the region.</summary>
    public const string Align = "2M";

    /// <summary>
    /// The plan for <paramref name="file"/> mapped through <paramref name="memPath"/> (the region), or through the file's own
    /// device (<c>device_path</c>, namespaces backend) at its start when it has one. Throws <see cref="CliException"/>
    /// for a file that is not guest memory (exit 2), a file in several extents, or an extent map that does not cover the
    /// file exactly (exit 1).
    /// </summary>
    public static QemuPlan Build(FileInfo file, string memPath)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(memPath);
        if (file.Kind != FileKind.GuestMemory)
        {
            throw new CliException(ExitCodes.Usage, $"{file.Path} is {EnumNames.Of(file.Kind)}, not GUEST_MEMORY: qemu-args maps guest memory only");
        }

        if (file.Extents.Count != 1)
        {
            throw new CliException(ExitCodes.Failed, file.Extents.Count == 0
                ? $"{file.Path} has no extents"
                : $"{file.Path} lies in {file.Extents.Count} extents of the region, and QEMU maps boot RAM from one contiguous run: " +
                  $"recreate it when the region has a free run of {Humanize.Size(file.SizeBytes)} (luctl region shows the largest free extent)");
        }

        Extent extent = file.Extents[0];
        if (extent.FileOffset != 0 || extent.Length != file.SizeBytes)
        {
            throw new CliException(ExitCodes.Failed, $"the extent of {file.Path} covers [{Humanize.Hex(extent.FileOffset)}, +{extent.Length}) of its {file.SizeBytes} bytes");
        }

        // Namespaces backend: the file is its own device (device_path), which QEMU maps from its start, with no offset=.
        bool ownDevice = file.DevicePath.Length > 0;
        string mapped = ownDevice ? file.DevicePath : memPath;
        string path = mapped.Replace(",", ",,", StringComparison.Ordinal); // QEMU's option syntax doubles a literal comma
        string offset = ownDevice ? string.Empty : $"offset={SuffixFormat.Format(extent.RegionOffset)},";
        string value = $"memory-backend-file,id={BackendId},mem-path={path},{offset}size={SuffixFormat.Format(extent.Length)},share=on,align={Align}";
        string[] arguments = ["-object", value, "-machine", "memory-backend=" + BackendId, "-m", SuffixFormat.Format(file.SizeBytes)];
        return new QemuPlan(file.Path, mapped, file.SizeBytes, ownDevice ? 0 : extent.RegionOffset, value, arguments);
    }
}
