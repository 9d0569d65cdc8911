using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveUpdate.Cli.Planning;

/// <summary>
/// Finds the persistent-memory region (libnvdimm's <c>regionN</c>) that holds a device-DAX device, from sysfs: the
/// range <c>memmap=SIZE!START</c> reserved. It is not the device's own range: a devdax namespace keeps an info block
/// (and, by default, the page structures of its memory) at its start, so <c>/dev/dax0.0</c> of <c>memmap=512M!1G</c>
/// begins at 0x40a00000 and holds 502 MiB; reserving only that range would lose the info block, and with it the device.
/// </summary>
internal static partial class NdRegionSysfs
{
    /// <summary>
    /// The region holding <paramref name="devicePath"/> (e.g. <c>/dev/dax0.0</c>, symlinks followed): its
    /// <c>resource</c> and <c>size</c>, found by walking up from <c>{sysfsRoot}/bus/dax/devices/NAME</c> (a link to
    /// <c>…/ndbus0/region0/dax0.0/dax0.0</c>) to the first folder named <c>regionN</c>. Null when sysfs does not say
    /// (no such device, not under a libnvdimm region, unreadable or malformed attributes): this is best effort.
    /// </summary>
    public static PhysicalRange? Find(string sysfsRoot, string devicePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(sysfsRoot);
        ArgumentException.ThrowIfNullOrEmpty(devicePath);
        try
        {
            var node = new FileInfo(devicePath);
            string name = (node.LinkTarget is null ? null : node.ResolveLinkTarget(returnFinalTarget: true)?.Name) ?? node.Name;
            var device = new DirectoryInfo(Path.Combine(sysfsRoot, "bus", "dax", "devices", name));
            if (!device.Exists)
            {
                return null;
            }

            DirectoryInfo? folder = device.LinkTarget is null ? device : device.ResolveLinkTarget(returnFinalTarget: true) as DirectoryInfo;
            for (folder = folder?.Parent; folder is not null; folder = folder.Parent)
            {
                if (!RegionName().IsMatch(folder.Name))
                {
                    continue;
                }

                return RangeOf(folder.FullName);
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The range of the region folder <paramref name="regionPath"/> itself (the namespaces backend's
    /// <c>/sys/bus/nd/devices/regionN</c>): its <c>resource</c> and <c>size</c>; null when they cannot be read.
    /// </summary>
    public static PhysicalRange? Read(string regionPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(regionPath);
        try
        {
            return RangeOf(regionPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static PhysicalRange? RangeOf(string folder)
    {
        string resource = File.ReadAllText(Path.Combine(folder, "resource")).Trim();
        string size = File.ReadAllText(Path.Combine(folder, "size")).Trim();
        return resource.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && ulong.TryParse(resource.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong start)
            && ulong.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out ulong length)
            && length > 0
            ? new PhysicalRange(start, length, folder)
            : null;
    }

    [GeneratedRegex("^region[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionName();
}
