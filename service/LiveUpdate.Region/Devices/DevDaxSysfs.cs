using System.Globalization;

namespace LiveUpdate.Region.Devices;

/// <summary>
/// Reads a device-DAX instance's facts from sysfs: <c>size</c>, <c>align</c>, <c>resource</c> (or <c>mapping*/start</c>)
/// and its NUMA node. Parsing only: whether the values suit a region is the device's decision.
/// </summary>
public static class DevDaxSysfs
{
    /// <summary>The alignment assumed when the kernel has no <c>align</c> file (device DAX before 5.10 faulted at 2 MiB by default).</summary>
    public const long DefaultAlign = 2L << 20;

    /// <summary>Reads the facts of the character device at <paramref name="devicePath"/>, finding its numbers with statx.</summary>
    public static DevDaxInfo Read(string sysfsRoot, string devicePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(devicePath);
        Interop.Libc.StatxBuffer status = Interop.Libc.Statx(devicePath);
        if (!status.IsCharacterDevice)
        {
            throw RegionException.Invalid($"{devicePath} is not a character device, so it is not device DAX");
        }

        return Read(sysfsRoot, devicePath, status.RdevMajor, status.RdevMinor);
    }

    /// <summary>
    /// Reads the facts of character device <paramref name="major"/>:<paramref name="minor"/>, found at
    /// <c>{sysfsRoot}/dev/char/{major}:{minor}</c>, else at <c>{sysfsRoot}/bus/dax/devices/{basename of devicePath}</c>.
    /// </summary>
    public static DevDaxInfo Read(string sysfsRoot, string devicePath, uint major, uint minor)
    {
        ArgumentException.ThrowIfNullOrEmpty(sysfsRoot);
        ArgumentException.ThrowIfNullOrEmpty(devicePath);

        string directory = FindDeviceDirectory(sysfsRoot, devicePath, major, minor);
        string device = $"{devicePath} (char {major}:{minor}, sysfs {directory})";

        // A dev/char entry copied as a real folder (as build outputs copy fixtures) is named "major:minor";
        // the node under /dev carries the kernel name then.
        string name = Path.GetFileName(directory);
        if (name.Contains(':', StringComparison.Ordinal))
        {
            name = Path.GetFileName(devicePath);
        }

        string sizeFile = Path.Combine(directory, "size");
        string sizeText = ReadAttribute(sizeFile)
            ?? throw new RegionException(
                RegionError.NotFound,
                $"{device} has no device-DAX size: {sizeFile} does not exist, so {devicePath} is not a device-DAX device");
        long size = ParseDecimalInt64(sizeFile, sizeText);

        string alignFile = Path.Combine(directory, "align");
        string? alignText = ReadAttribute(alignFile);
        long align = alignText is null ? DefaultAlign : ParseDecimalInt64(alignFile, alignText);

        ulong physicalBase = ReadPhysicalBase(directory, device);
        // target_node is the node the memory itself belongs to (hidden or -1 when unknown); numa_node is the device's.
        int? targetNode = ReadNode(directory, "target_node");
        int? deviceNode = ReadNode(directory, "numa_node");
        int numaNode = targetNode is >= 0 ? targetNode.Value : deviceNode ?? -1;

        return new DevDaxInfo(name, directory, size, align, physicalBase, numaNode, AlignFromDefault: alignText is null);
    }

    private static string FindDeviceDirectory(string sysfsRoot, string devicePath, uint major, uint minor)
    {
        // /sys/dev/char/M:m is a relative symlink to the device's folder, e.g.
        // ../../devices/platform/e820_pmem/ndbus0/region0/dax0.0/dax0.0; /sys/bus/dax/devices/NAME is another.
        string byNumber = Path.Combine(sysfsRoot, "dev", "char", $"{major}:{minor}");
        string byName = Path.Combine(sysfsRoot, "bus", "dax", "devices", Path.GetFileName(devicePath));
        foreach (string candidate in (ReadOnlySpan<string>)[byNumber, byName])
        {
            var info = new DirectoryInfo(candidate);
            if (!info.Exists)
            {
                continue;
            }

            FileSystemInfo? target = info.LinkTarget is null ? null : info.ResolveLinkTarget(returnFinalTarget: true);
            return Path.GetFullPath((target ?? info).FullName);
        }

        throw new RegionException(
            RegionError.NotFound,
            $"no sysfs directory for {devicePath} (char {major}:{minor}): neither {byNumber} nor {byName} exists");
    }

    private static ulong ReadPhysicalBase(string directory, string device)
    {
        string resourceFile = Path.Combine(directory, "resource");
        string? resource = ReadAttribute(resourceFile);
        if (resource is not null)
        {
            return ParseHex(resourceFile, resource);
        }

        // Without `resource`, the physical ranges are the mapping0, mapping1, … children (dynamic dax regions, 5.10+):
        // each has `start`, `end` and `page_offset` (the device offset of the range, in pages). Device offset 0 is the
        // range whose page_offset is 0; the driver allocates ranges upwards, so that is also the lowest `start`, which
        // is what we fall back to when page_offset is missing. A device of several ranges need not be physically
        // contiguous: PhysicalBase + offset is exact only within the first range.
        ulong? lowestStart = null;
        ulong? firstRangeStart = null;
        foreach (string mapping in Directory.EnumerateDirectories(directory, "mapping*"))
        {
            string suffix = Path.GetFileName(mapping)["mapping".Length..];
            if (suffix.Length == 0 || !suffix.All(char.IsAsciiDigit))
            {
                continue;
            }

            string startFile = Path.Combine(mapping, "start");
            string startText = ReadAttribute(startFile)
                ?? throw new RegionException(RegionError.NotFound, $"{device}: {startFile} does not exist");
            ulong start = ParseHex(startFile, startText);
            lowestStart = lowestStart is null ? start : Math.Min(lowestStart.Value, start);

            string pageOffsetFile = Path.Combine(mapping, "page_offset");
            string? pageOffset = ReadAttribute(pageOffsetFile);
            if (pageOffset is not null && ParseHex(pageOffsetFile, pageOffset) == 0)
            {
                firstRangeStart = start;
            }
        }

        return firstRangeStart ?? lowestStart
            ?? throw new RegionException(
                RegionError.NotFound,
                $"{device} has no physical base: neither {resourceFile} nor {Path.Combine(directory, "mapping*", "start")} exists");
    }

    private static int? ReadNode(string directory, string attribute)
    {
        string file = Path.Combine(directory, attribute);
        string? text = ReadAttribute(file);
        if (text is null)
        {
            return null;
        }

        string trimmed = text.Trim();
        return int.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int node) && node >= -1
            ? node
            : throw Garbage(file, text, "NUMA node number");
    }

    /// <summary>The attribute's text, or null when the file does not exist.</summary>
    private static string? ReadAttribute(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RegionException(RegionError.Io, $"read of {file} failed: {ex.Message}", ex);
        }
    }

    private static long ParseDecimalInt64(string file, string text)
    {
        string trimmed = text.Trim();
        return long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw Garbage(file, text, "decimal byte count");
    }

    /// <summary>Parses the kernel's "%#llx" output: "0x" and hex digits, or a bare "0" (which %#llx prints for zero).</summary>
    private static ulong ParseHex(string file, string text)
    {
        string trimmed = text.Trim();
        if (trimmed == "0")
        {
            return 0;
        }

        return trimmed.Length > 2
            && trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && ulong.TryParse(trimmed.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value)
            ? value
            : throw Garbage(file, text, "0x-prefixed hexadecimal address");
    }

    private static RegionException Garbage(string file, string text, string expected)
    {
        string shown = text.Trim();
        if (shown.Length > 64)
        {
            shown = string.Concat(shown.AsSpan(0, 64), "…");
        }

        shown = shown.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
        return RegionException.Invalid($"{file} holds '{shown}', which is not a {expected}");
    }
}
