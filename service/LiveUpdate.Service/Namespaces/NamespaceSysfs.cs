using System.Globalization;
using LiveUpdate.Region;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Namespaces;

namespace LiveUpdate.Service.Namespaces;

/// <summary>
/// Reads an nd region's namespaces from sysfs, the kernel's documented ABI (Documentation/ABI/testing/sysfs-bus-nvdimm,
/// sysfs-bus-dax): each <c>namespaceR.N</c> folder under the region holds <c>alt_name</c> (its label's name), <c>size</c>
/// and <c>holder</c> (the nd_dax device claiming it in devdax mode, a sibling folder), whose child <c>daxX.Y</c> is the
/// device-DAX instance (<c>dev</c>, <c>size</c>, <c>resource</c>, also under <c>bus/dax/devices</c>). Names survive a
/// kexec; device numbers and holder names do not, so a namespace is always found by name, never by a remembered node.
/// </summary>
/// <param name="sysfsRoot">Root of sysfs (<c>/sys</c>).</param>
/// <param name="regionDirectory">The region's folder, e.g. <c>/sys/bus/nd/devices/region0</c>.</param>
/// <param name="deviceDirectory">Where device nodes live (<c>/dev</c>).</param>
internal sealed class NamespaceSysfs(string sysfsRoot, string regionDirectory, string deviceDirectory)
{
    /// <summary>The region's nstype for namespaces with labels (ND_DEVICE_NAMESPACE_PMEM); label-less regions say 4 (namespace-io).</summary>
    private const int LabelledNamespaceType = 5;

    /// <summary>One named, non-empty namespace of the region.</summary>
    /// <param name="Device">Its nd device name, e.g. <c>namespace0.1</c>.</param>
    /// <param name="Name">Its label's name.</param>
    /// <param name="Size">Bytes of the namespace (before its info block).</param>
    /// <param name="Holder">The nd device claiming it (<c>dax0.1</c> in devdax mode), or null.</param>
    internal sealed record Entry(string Device, string Name, long Size, string? Holder);

    /// <summary>The region's kernel name, e.g. <c>region0</c> (what ndctl's <c>-r</c> takes).</summary>
    public string RegionName { get; } = Path.GetFileName(Path.TrimEndingDirectorySeparator(regionDirectory));

    /// <summary>The region's folder as given.</summary>
    public string RegionDirectory { get; } = regionDirectory;

    /// <summary>
    /// Throws <see cref="RegionException"/> with what to do when the region does not exist (ramdax not loaded or not bound)
    /// or is label-less (namespaces need labels, which ramdax keeps inside the reserved range).
    /// </summary>
    public void RequireLabelCapable()
    {
        if (!Directory.Exists(RegionDirectory))
        {
            throw new RegionException(RegionError.NotFound,
                $"{RegionDirectory} does not exist: the namespaces backend needs the memmap= range bound to the ramdax driver (Linux ≥ 6.19, " +
                "CONFIG_RAMDAX): modprobe libnvdimm nd_pmem dax_pmem device_dax; echo ramdax > /sys/bus/platform/devices/e820_pmem/driver_override; " +
                "modprobe ramdax (if nd_e820 holds it, unbind it from e820_pmem and write it to drivers_probe); then ndctl list -R shows the region");
        }

        var text = Read(Path.Combine(RegionDirectory, "nstype"));
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var nstype) || nstype != LabelledNamespaceType)
        {
            throw new RegionException(RegionError.UnsupportedFormat,
                $"{RegionDirectory} is not label-capable (nstype {(text.Length == 0 ? "missing" : text)}, namespaces with labels need {LabelledNamespaceType}): " +
                "a label-less region (e.g. memmap= held by nd_e820) has one namespace over the whole range; bind the range to ramdax instead " +
                "(echo ramdax > /sys/bus/platform/devices/e820_pmem/driver_override; modprobe ramdax), or use the devdax backend with --region /dev/daxN.M");
        }
    }

    /// <summary>The region's namespace size granularity (<c>align</c>; 16 MiB on ramdax), or <see cref="NamespaceSizing.DefaultRegionAlign"/> when sysfs has none.</summary>
    public long RegionAlign()
    {
        var text = Read(Path.Combine(RegionDirectory, "align"));
        if (text.Length == 0)
        {
            return NamespaceSizing.DefaultRegionAlign;
        }

        var parsed = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return parsed && value > 0 ? value : throw Garbage(Path.Combine(RegionDirectory, "align"), text);
    }

    /// <summary>The whole region's size in bytes (its sysfs <c>size</c>): every VM's memory and the metadata share it.</summary>
    public long RegionBytes()
    {
        var path = Path.Combine(RegionDirectory, "size");
        var text = Read(path);
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : throw Garbage(path, text);
    }

    /// <summary>
    /// The largest namespace the region can take now (<c>max_available_extent</c>, else <c>available_size</c>), or null
    /// when sysfs says neither.
    /// </summary>
    public long? AvailableBytes()
    {
        foreach (var attribute in (ReadOnlySpan<string>)["max_available_extent", "available_size"])
        {
            var text = Read(Path.Combine(RegionDirectory, attribute));
            if (text.Length > 0)
            {
                return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes)
                    ? bytes
                    : throw Garbage(Path.Combine(RegionDirectory, attribute), text);
            }
        }

        return null;
    }

    /// <summary>The region's named namespaces with a size (the empty seed namespace the kernel keeps for the next create is not one).</summary>
    public IReadOnlyList<Entry> Entries()
    {
        var entries = new List<Entry>();
        foreach (var folder in Directory.EnumerateDirectories(RegionDirectory, "namespace*"))
        {
            var name = Read(Path.Combine(folder, "alt_name"));
            var sizeText = Read(Path.Combine(folder, "size"));
            if (name.Length == 0 || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                continue;
            }

            var holder = Read(Path.Combine(folder, "holder"));
            entries.Add(new Entry(Path.GetFileName(folder), name, size, holder.Length == 0 ? null : holder));
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Device, b.Device));
        return entries;
    }

    /// <summary>The named namespace, or null.</summary>
    public Entry? Find(string name) => Entries().FirstOrDefault(entry => entry.Name == name);

    /// <summary>
    /// The device-DAX instance of a devdax namespace: its node, numbers, size and physical start. Throws
    /// <see cref="RegionException"/> when the namespace is not in devdax mode or its device is not bound.
    /// </summary>
    public NamespaceInfo Resolve(Entry entry)
    {
        var holder = entry.Holder ?? throw new RegionException(RegionError.NotFound,
            $"namespace {entry.Name} ({entry.Device} in {RegionName}) has no holder: it is not enabled in devdax mode");
        var holderDirectory = Path.Combine(RegionDirectory, holder);
        var dax = Directory.Exists(holderDirectory)
            ? Directory.EnumerateDirectories(holderDirectory, "dax*").FirstOrDefault(child => File.Exists(Path.Combine(child, "dev")))
            : null;
        if (dax is null)
        {
            throw new RegionException(RegionError.NotFound,
                $"namespace {entry.Name} ({entry.Device}) is held by {holder}, which has no device-DAX instance (is device_dax loaded?)");
        }

        var number = Read(Path.Combine(dax, "dev"));
        var colon = number.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !uint.TryParse(number.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !uint.TryParse(number.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            throw Garbage(Path.Combine(dax, "dev"), number);
        }

        var node = Path.Combine(deviceDirectory, Path.GetFileName(dax));
        var info = DevDaxSysfs.Read(sysfsRoot, node, major, minor);
        return new NamespaceInfo(entry.Name, info.PhysicalBase, info.Size, node, major, minor);
    }

    /// <summary>An attribute's trimmed text, or "" when it does not exist.</summary>
    private static string Read(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RegionException(RegionError.Io, $"read of {file} failed: {ex.Message}", ex);
        }
    }

    private static RegionException Garbage(string file, string text) =>
        new(RegionError.Io, $"{file} holds '{(text.Length > 64 ? text[..64] + "…" : text)}', which the kernel does not write there");
}
