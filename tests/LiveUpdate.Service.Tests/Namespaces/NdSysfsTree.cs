namespace LiveUpdate.Service.Tests.Namespaces;

/// <summary>
/// A folder tree laid out as the kernel's sysfs lays out a ramdax region (Documentation/ABI/testing/sysfs-bus-nvdimm and
/// sysfs-bus-dax; the layout measured under Debian's 7.3 kernel in the kexec lab): the region's real folder under
/// devices/platform, <c>bus/nd/devices/regionN</c> and <c>bus/dax/devices/daxX.Y</c> as symbolic links to it, each
/// namespace a <c>namespaceR.N</c> folder (<c>alt_name</c>, <c>size</c>, <c>holder</c>), each devdax namespace's
/// holder a sibling <c>daxR.N</c> folder whose child is the device-DAX instance (<c>dev</c>, <c>size</c>,
/// <c>resource</c>, <c>align</c>). The engine's and the daemon's sysfs readers read it as they read /sys.
/// </summary>
public sealed class NdSysfsTree : IDisposable
{
    public NdSysfsTree(int region = 0, int nstype = 5, string align = "0x1000000")
    {
        Root = Path.Combine(Path.GetTempPath(), "lu-sysfs-" + Guid.NewGuid().ToString("N"));
        RegionFolder = Path.Combine(Root, "devices", "platform", "e820_pmem", "ndbus0", $"region{region}");
        Directory.CreateDirectory(RegionFolder);
        Directory.CreateDirectory(Path.Combine(Root, "bus", "nd", "devices"));
        Directory.CreateDirectory(Path.Combine(Root, "bus", "dax", "devices"));
        RegionPath = Path.Combine(Root, "bus", "nd", "devices", $"region{region}");
        File.CreateSymbolicLink(RegionPath, RegionFolder);
        Write(RegionFolder, "nstype", nstype.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Write(RegionFolder, "align", align);
    }

    public string Root { get; }

    /// <summary>The region as the operator names it: bus/nd/devices/regionN (a symbolic link).</summary>
    public string RegionPath { get; }

    public string RegionFolder { get; }

    /// <summary>Adds namespace <paramref name="device"/> (e.g. namespace0.1); with a <paramref name="dax"/> name it is held in devdax mode by that device.</summary>
    public void AddNamespace(string device, string name, long size, string? dax = null, string? devNumber = null, ulong physicalStart = 0, long daxSize = 0)
    {
        var folder = Path.Combine(RegionFolder, device);
        Directory.CreateDirectory(folder);
        Write(folder, "alt_name", name);
        Write(folder, "size", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Write(folder, "holder", dax ?? string.Empty);
        Write(folder, "nstype", "5");
        if (dax is null)
        {
            return;
        }

        var holder = Path.Combine(RegionFolder, dax);
        Directory.CreateDirectory(Path.Combine(holder, "dax_region"));
        Write(Path.Combine(holder, "dax_region"), "align", "2097152");
        var instance = Path.Combine(holder, dax);
        Directory.CreateDirectory(instance);
        Write(instance, "dev", devNumber ?? "252:0");
        Write(instance, "size", daxSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Write(instance, "resource", $"0x{physicalStart:x}");
        Write(instance, "align", "2097152");
        File.CreateSymbolicLink(Path.Combine(Root, "bus", "dax", "devices", dax), instance);
    }

    /// <summary>Removes a namespace's folders as a destroy (or a boot that renumbers devices) would.</summary>
    public void RemoveNamespace(string device, string? dax)
    {
        Directory.Delete(Path.Combine(RegionFolder, device), recursive: true);
        if (dax is not null)
        {
            Directory.Delete(Path.Combine(RegionFolder, dax), recursive: true);
            File.Delete(Path.Combine(Root, "bus", "dax", "devices", dax));
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Write(string folder, string attribute, string value) => File.WriteAllText(Path.Combine(folder, attribute), value + "\n");
}
