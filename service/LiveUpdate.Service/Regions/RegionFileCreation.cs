using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Observability;

namespace LiveUpdate.Service.Regions;

/// <summary>
/// Whether the daemon creates the region file, and how large. It creates a missing file (sparse: tmpfs gives it pages
/// only as they are written) for the embedded default, and for any other path given with an explicit <c>--region-size</c>;
/// a missing path without one is refused, since a typo would otherwise become a new, empty region. A file larger than
/// its filesystem would kill the daemon with SIGBUS at the first write past the filesystem's capacity, so an explicit
/// size larger than the filesystem is refused, and the default is made no larger than the filesystem (with a warning).
/// </summary>
internal static class RegionFileCreation
{
    /// <summary>The smallest default region worth starting with when the filesystem cannot hold the full default.</summary>
    private const long SmallestDefault = 64L << 20;

    /// <summary>
    /// The size to create the region file with, or null when it exists (or is a device) and is opened as it is.
    /// Throws <see cref="DaemonStartupException"/> for a missing file it may not create.
    /// </summary>
    public static long? SizeToCreate(DaemonOptions settings, ILogger logger)
    {
        if (Path.Exists(settings.Region))
        {
            return null;
        }

        if (!settings.IsDefaultRegion && !settings.RegionSizeGiven)
        {
            throw new DaemonStartupException(
                $"region {settings.Region} does not exist: add --region-size SIZE (e.g. --region-size 4GiB) to create it as a sparse file of that size, " +
                "or give an existing region file or device (/dev/daxN.M)");
        }

        var (mountPoint, capacity) = Capacity(settings.Region);
        if (capacity is null || settings.RegionSize <= capacity)
        {
            return settings.RegionSize;
        }

        var largest = capacity.Value / Region.Devices.RegionDevice.RequiredAlignment * Region.Devices.RegionDevice.RequiredAlignment;
        if (settings.RegionSizeGiven || largest < SmallestDefault)
        {
            throw new DaemonStartupException(
                $"cannot create region {settings.Region} of {Describe(settings.RegionSize)}: the filesystem at {mountPoint} holds only {Describe(capacity.Value)}, " +
                "and a write past its capacity would kill the daemon (SIGBUS); give a smaller --region-size, or enlarge it (for tmpfs: mount -o remount,size=… " +
                $"{mountPoint})");
        }

        RegionLog.DefaultRegionCapped(logger, settings.Region, settings.RegionSize, largest, mountPoint);
        return largest;
    }

    /// <summary>The nearest existing directory above <paramref name="path"/> and the total size of its filesystem, when known.</summary>
    private static (string Directory, long? Capacity) Capacity(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        while (directory is not null && !Directory.Exists(directory))
        {
            directory = Path.GetDirectoryName(directory);
        }

        if (directory is null)
        {
            return ("/", null);
        }

        try
        {
            return (directory, new DriveInfo(directory).TotalSize);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (directory, null);
        }
    }

    private static string Describe(long bytes) =>
        bytes % (1L << 30) == 0 ? $"{bytes >> 30} GiB" : bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";
}
