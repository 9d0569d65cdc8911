using System.Runtime.Versioning;
using LiveUpdate.Region.Devices;

namespace LiveUpdate.Region.Tests.Devices;

[SupportedOSPlatform("linux")]
public sealed class DevDaxSysfsTests : IDisposable
{
    private readonly ShmTempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Read_Pmem61ByDevChar_ReturnsExactFacts()
    {
        DevDaxInfo info = DevDaxSysfs.Read(SysfsFixtures.Root(SysfsFixtures.Pmem61), "/dev/dax0.0", 252, 0);

        Assert.Equal("dax0.0", info.Name);
        Assert.Equal(16_909_336_576L, info.Size);
        Assert.Equal(2_097_152L, info.Align);
        Assert.Equal(0x1_5020_0000UL, info.PhysicalBase);
        Assert.Equal(0, info.NumaNode);
        Assert.False(info.AlignFromDefault);
        Assert.True(File.Exists(Path.Combine(info.DeviceDirectory, "size")));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Read_RelativeSymlinksAsInRealSysfs_ResolveToTheDevDaxFolder(bool devCharLink, bool busLink)
    {
        string root = _temp.Combine("sys");
        SysfsFixtures.CopyTree(
            Path.Combine(SysfsFixtures.Root(SysfsFixtures.Pmem61), "devices"),
            Path.Combine(root, "devices"));
        if (devCharLink)
        {
            Directory.CreateDirectory(Path.Combine(root, "dev", "char"));
            Directory.CreateSymbolicLink(Path.Combine(root, "dev", "char", "252:0"), "../../" + SysfsFixtures.PmemDevice);
        }

        if (busLink)
        {
            Directory.CreateDirectory(Path.Combine(root, "bus", "dax", "devices"));
            Directory.CreateSymbolicLink(Path.Combine(root, "bus", "dax", "devices", "dax0.0"), "../../../" + SysfsFixtures.PmemDevice);
        }

        DevDaxInfo info = DevDaxSysfs.Read(root, "/dev/dax0.0", 252, 0);

        Assert.Equal(Path.Combine(root, SysfsFixtures.PmemDevice), info.DeviceDirectory);
        Assert.Equal("dax0.0", info.Name);
        // The libnvdimm parent (also named dax0.0) holds the namespace's size and resource: they must not be read.
        Assert.Equal(16_909_336_576L, info.Size);
        Assert.Equal(0x1_5020_0000UL, info.PhysicalBase);
    }

    [Fact]
    public void Read_NoResource_UsesStartOfTheRangeAtPageOffsetZero()
    {
        DevDaxInfo info = DevDaxSysfs.Read(SysfsFixtures.Root(SysfsFixtures.HmemMappings), "/dev/dax1.0", 252, 1);

        Assert.Equal("dax1.0", info.Name);
        Assert.Equal(2_147_483_648L, info.Size);
        Assert.Equal(2_097_152L, info.Align);
        Assert.Equal(0x10_8000_0000UL, info.PhysicalBase);
        Assert.Equal(2, info.NumaNode); // target_node wins over numa_node
        Assert.False(info.AlignFromDefault);
        Assert.EndsWith(Path.Combine("bus", "dax", "devices", "dax1.0"), info.DeviceDirectory, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MappingsWithoutPageOffset_UseTheLowestStart()
    {
        string device = _temp.Combine("sys", "bus", "dax", "devices", "dax3.0");
        SysfsFixtures.WriteAttribute(device, "size", "4194304");
        SysfsFixtures.WriteAttribute(device, "mapping0/start", "0x40400000");
        SysfsFixtures.WriteAttribute(device, "mapping1/start", "0x40200000");
        SysfsFixtures.WriteAttribute(device, "mapping12/start", "0x80000000");

        DevDaxInfo info = DevDaxSysfs.Read(_temp.Combine("sys"), "/dev/dax3.0", 252, 3);

        Assert.Equal(0x4020_0000UL, info.PhysicalBase);
        Assert.Equal(-1, info.NumaNode);
    }

    [Fact]
    public void Read_OldKernelWithoutAlign_Assumes2MiBAndSaysSo()
    {
        DevDaxInfo info = DevDaxSysfs.Read(SysfsFixtures.Root(SysfsFixtures.Pmem54NoAlign), "/dev/dax0.0", 252, 0);

        Assert.Equal(2_097_152L, info.Align);
        Assert.True(info.AlignFromDefault);
        Assert.Equal(16_909_336_576L, info.Size);
        Assert.Equal(0x1_5020_0000UL, info.PhysicalBase);
        Assert.Equal(0, info.NumaNode); // from numa_node: 5.4 has no target_node here
    }

    [Fact]
    public void Read_Align4K_ParsesTheAlignWithoutJudgingIt()
    {
        DevDaxInfo info = DevDaxSysfs.Read(SysfsFixtures.Root(SysfsFixtures.Align4K), "/dev/dax2.0", 252, 2);

        Assert.Equal("dax2.0", info.Name);
        Assert.Equal(4096L, info.Align);
        Assert.Equal(1_073_741_824L, info.Size);
        Assert.Equal(0x20_8000_0000UL, info.PhysicalBase);
        Assert.Equal(3, info.NumaNode);
    }

    [Fact]
    public void Read_GarbageSize_IsInvalidArgumentNamingTheFileAndItsContent()
    {
        var ex = Assert.Throws<RegionException>(
            () => DevDaxSysfs.Read(SysfsFixtures.Root(SysfsFixtures.GarbageSize), "/dev/dax0.0", 252, 0));

        Assert.Equal(RegionError.InvalidArgument, ex.Error);
        Assert.Contains(Path.Combine("252:0", "size"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("'16G'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("size", "-2097152")]
    [InlineData("size", "0x200000")]
    [InlineData("size", "")]
    [InlineData("size", "2097152 4096")]
    [InlineData("size", "99999999999999999999")]
    [InlineData("align", "2M")]
    [InlineData("resource", "150200000")]
    [InlineData("resource", "0x")]
    [InlineData("resource", "0xZZ")]
    [InlineData("resource", "-0x1")]
    [InlineData("target_node", "zero")]
    [InlineData("numa_node", "-2")]
    public void Read_MalformedAttribute_IsInvalidArgumentNamingTheFile(string attribute, string content)
    {
        string device = WriteValidDevice();
        SysfsFixtures.WriteAttribute(device, attribute, content);

        var ex = Assert.Throws<RegionException>(() => DevDaxSysfs.Read(_temp.Combine("sys"), "/dev/dax5.0", 252, 5));

        Assert.Equal(RegionError.InvalidArgument, ex.Error);
        Assert.Contains(Path.Combine(device, attribute), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(" 2097152 \n", 2_097_152L)]
    [InlineData("4194304", 4_194_304L)]
    public void Read_WhitespaceAroundValues_IsTrimmed(string content, long expected)
    {
        string device = WriteValidDevice();
        File.WriteAllText(Path.Combine(device, "size"), content);
        File.WriteAllText(Path.Combine(device, "resource"), "  0x0\n");

        DevDaxInfo info = DevDaxSysfs.Read(_temp.Combine("sys"), "/dev/dax5.0", 252, 5);

        Assert.Equal(expected, info.Size);
        Assert.Equal(0UL, info.PhysicalBase);
    }

    [Fact]
    public void Read_ResourcePrintedAsBareZero_IsZero()
    {
        string device = WriteValidDevice();
        SysfsFixtures.WriteAttribute(device, "resource", "0");

        Assert.Equal(0UL, DevDaxSysfs.Read(_temp.Combine("sys"), "/dev/dax5.0", 252, 5).PhysicalBase);
    }

    [Fact]
    public void Read_NeitherResourceNorMappings_IsNotFoundNamingBoth()
    {
        string device = WriteValidDevice();
        File.Delete(Path.Combine(device, "resource"));

        var ex = Assert.Throws<RegionException>(() => DevDaxSysfs.Read(_temp.Combine("sys"), "/dev/dax5.0", 252, 5));

        Assert.Equal(RegionError.NotFound, ex.Error);
        Assert.Contains(Path.Combine(device, "resource"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("mapping*", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownDevice_IsNotFoundNamingBothPlacesLookedAt()
    {
        string root = SysfsFixtures.Root(SysfsFixtures.Pmem61);

        var ex = Assert.Throws<RegionException>(() => DevDaxSysfs.Read(root, "/dev/dax9.9", 252, 99));

        Assert.Equal(RegionError.NotFound, ex.Error);
        Assert.Contains("/dev/dax9.9", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(root, "dev", "char", "252:99"), ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(root, "bus", "dax", "devices", "dax9.9"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CharacterDeviceWithoutDaxFacts_IsNotFoundNamingTheDevice()
    {
        var ex = Assert.Throws<RegionException>(
            () => DevDaxSysfs.Read(SysfsFixtures.Root(SysfsFixtures.Pmem61), "/dev/null", 1, 3));

        Assert.Equal(RegionError.NotFound, ex.Error);
        Assert.Contains("/dev/null", ex.Message, StringComparison.Ordinal);
        Assert.Contains("size does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ByPathOfDevNullOnThisMachine_IsNotFoundNamingThePath()
    {
        var ex = Assert.Throws<RegionException>(() => DevDaxSysfs.Read("/sys", "/dev/null"));

        Assert.Equal(RegionError.NotFound, ex.Error);
        Assert.Contains("/dev/null", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ByPathOfRegularFile_IsInvalidArgument()
    {
        string file = _temp.Combine("plain");
        File.WriteAllText(file, "not a device");

        var ex = Assert.Throws<RegionException>(() => DevDaxSysfs.Read("/sys", file));

        Assert.Equal(RegionError.InvalidArgument, ex.Error);
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A minimal well-formed device at {temp}/sys/bus/dax/devices/dax5.0; returns its folder.</summary>
    private string WriteValidDevice()
    {
        string device = _temp.Combine("sys", "bus", "dax", "devices", "dax5.0");
        SysfsFixtures.WriteAttribute(device, "size", "2097152");
        SysfsFixtures.WriteAttribute(device, "align", "2097152");
        SysfsFixtures.WriteAttribute(device, "resource", "0x200000");
        SysfsFixtures.WriteAttribute(device, "target_node", "0");
        SysfsFixtures.WriteAttribute(device, "numa_node", "0");
        return device;
    }
}
