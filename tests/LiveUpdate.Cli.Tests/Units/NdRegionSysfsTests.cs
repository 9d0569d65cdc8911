using LiveUpdate.Cli.Planning;

namespace LiveUpdate.Cli.Tests.Units;

/// <summary>Finding the persistent-memory region of a device-DAX device in a sysfs tree laid out as the kernel's (6.1).</summary>
public sealed class NdRegionSysfsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lu-sysfs-").FullName;

    /// <summary>/sys as the lab's guest has it: bus/dax/devices/dax0.0 links to …/ndbus0/region0/dax0.0/dax0.0.</summary>
    private string Build(string resource = "0x40000000\n", string size = "536870912\n")
    {
        string region = Path.Combine(_root, "devices", "platform", "e820_pmem", "ndbus0", "region0");
        string device = Path.Combine(region, "dax0.0", "dax0.0");
        Directory.CreateDirectory(device);
        File.WriteAllText(Path.Combine(region, "resource"), resource);
        File.WriteAllText(Path.Combine(region, "size"), size);
        // The nd dax device and the dax device have ranges of their own, which must not be taken for the region's.
        File.WriteAllText(Path.Combine(region, "dax0.0", "resource"), "0x40a00000\n");
        File.WriteAllText(Path.Combine(region, "dax0.0", "size"), "526385152\n");
        File.WriteAllText(Path.Combine(device, "resource"), "0x40a00000\n");
        File.WriteAllText(Path.Combine(device, "size"), "526385152\n");
        string links = Path.Combine(_root, "bus", "dax", "devices");
        Directory.CreateDirectory(links);
        Directory.CreateSymbolicLink(Path.Combine(links, "dax0.0"), "../../../devices/platform/e820_pmem/ndbus0/region0/dax0.0/dax0.0");
        return region;
    }

    [Fact]
    public void Find_DevDaxOfAnE820Region_IsTheRegionsRange()
    {
        string region = Build();

        var range = NdRegionSysfs.Find(_root, "/dev/dax0.0");

        Assert.Equal(new PhysicalRange(0x4000_0000, 512UL << 20, region), range);
    }

    [Fact]
    public void Read_TheNamespacesBackendsRegionFolder_IsItsRange()
    {
        string region = Build(resource: "0x100000000\n", size: "2147483648\n");

        Assert.Equal(new PhysicalRange(0x1_0000_0000, 2UL << 30, region), NdRegionSysfs.Read(region));
        Assert.Null(NdRegionSysfs.Read(Path.Combine(_root, "bus", "nd", "devices", "region9")));
    }

    [Fact]
    public void Find_UnknownDevice_IsNull()
    {
        Build();

        Assert.Null(NdRegionSysfs.Find(_root, "/dev/dax1.0"));
    }

    [Theory]
    [InlineData("40000000\n", "536870912\n")]
    [InlineData("0x40000000\n", "0\n")]
    [InlineData("0xzz\n", "536870912\n")]
    public void Find_MalformedRegionAttributes_IsNull(string resource, string size)
    {
        Build(resource, size);

        Assert.Null(NdRegionSysfs.Find(_root, "/dev/dax0.0"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
