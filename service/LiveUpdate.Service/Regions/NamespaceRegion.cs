using System.Text.RegularExpressions;
using LiveUpdate.Region;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Namespaces;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Namespaces;

namespace LiveUpdate.Service.Regions;

/// <summary>
/// Opens a namespaces-backend region (docs/design.md §3): <c>--region /sys/bus/nd/devices/regionN</c>, a label-capable
/// nd region (the <c>memmap=</c> range bound to ramdax). The metadata is the devdax namespace <c>liveupdate-metadata</c>,
/// found by name; <c>--format</c> creates it when missing, as the region's first namespace (so it has the lowest address
/// and every file's region offset is positive), of <c>--region-size</c> bytes (default <see cref="DefaultMetadataSize"/>)
/// rounded up to the region's alignment. Its device node stays the daemon's, 0600: it is never handed to a VMM.
/// </summary>
internal static partial class NamespaceRegion
{
    /// <summary>Size of the metadata namespace when <c>--region-size</c> is not given: room for the header, inodes, device state and IOMMU tables of a few dozen VMs.</summary>
    public const long DefaultMetadataSize = 64L << 20;

    /// <summary>Where sysfs and device nodes are.</summary>
    private const string SysfsRoot = "/sys";
    private const string DeviceDirectory = "/dev";

    /// <summary>The ndctl executable (Debian's package ndctl puts it on PATH).</summary>
    private const string Ndctl = "ndctl";

    /// <summary>True when <paramref name="path"/> names an nd region in sysfs (…/regionN), i.e. the namespaces backend.</summary>
    public static bool IsNdRegionPath(string path) => NdRegionPattern().IsMatch(path);

    /// <summary>
    /// Checks the region, finds (or with <c>--format</c> creates) the metadata namespace and opens its device, locked.
    /// Throws <see cref="DaemonStartupException"/> saying what to do.
    /// </summary>
    public static (RegionDevice Device, NdNamespaceDirectory Directory) Open(DaemonOptions settings, ILogger logger)
    {
        var sysfs = new NamespaceSysfs(SysfsRoot, Path.TrimEndingDirectorySeparator(settings.Region), DeviceDirectory);
        var directory = new NdNamespaceDirectory(sysfs, new NdctlTool(Ndctl), SysfsRoot, logger);
        try
        {
            sysfs.RequireLabelCapable();
            var metadata = sysfs.Find(NamespaceNames.Metadata) is null ? CreateMetadata(settings, sysfs, directory, logger) : directory.Resolve(NamespaceNames.Metadata);
            directory.SetOwner(metadata, Interop.Libc.GetEuid());
            return (RegionDevice.Open(metadata.DevicePath, new RegionDeviceOptions { SysfsRoot = SysfsRoot }), directory);
        }
        catch (RegionException ex) when (ex.Error == RegionError.Busy)
        {
            throw new DaemonStartupException(
                $"region {settings.Region} is held by another process (is another liveupdated running on it?): stop that one first", inner: ex);
        }
        catch (RegionException ex)
        {
            throw new DaemonStartupException($"cannot open region {settings.Region}: {ex.Message}", inner: ex);
        }
    }

    private static NamespaceInfo CreateMetadata(DaemonOptions settings, NamespaceSysfs sysfs, NdNamespaceDirectory directory, ILogger logger)
    {
        if (!settings.Format)
        {
            throw new DaemonStartupException(
                $"region {settings.Region} has no {NamespaceNames.Metadata} namespace: start once with --format to create it " +
                $"(--region-size sets its size, default {DefaultMetadataSize >> 20} MiB); other namespaces in the region are left alone");
        }

        var align = sysfs.RegionAlign();
        var wanted = settings.RegionSizeGiven ? settings.RegionSize : DefaultMetadataSize;
        var size = (wanted + align - 1) / align * align;
        var space = directory.Create(NamespaceNames.Metadata, NamespaceSizing.DeviceBytes(size), Interop.Libc.GetEuid());
        NamespaceLog.MetadataCreated(logger, NamespaceNames.Metadata, sysfs.RegionName, size, space.DevicePath, space.Size);
        return space;
    }

    [GeneratedRegex(@"^/sys/.*/region[0-9]+/?$", RegexOptions.CultureInvariant)]
    private static partial Regex NdRegionPattern();
}
