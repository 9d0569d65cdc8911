using System.Runtime.Versioning;
using LiveUpdate.Region.Devices;

namespace LiveUpdate.Region.Tests.Devices;

[SupportedOSPlatform("linux")]
public sealed class DevDaxRegionDeviceTests : IDisposable
{
    private const long MiB = 1L << 20;

    private readonly ShmTempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ValidateGeometry_Align4KFixture_IsRefusedNamingTheAlign()
    {
        DevDaxInfo info = DevDaxSysfs.Read(SysfsFixtures.Root(SysfsFixtures.Align4K), "/dev/dax2.0", 252, 2);

        var ex = Assert.Throws<RegionException>(() => DevDaxRegionDevice.ValidateGeometry(info, "/dev/dax2.0"));

        Assert.Equal(RegionError.InvalidArgument, ex.Error);
        Assert.Contains("/dev/dax2.0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("align 4096", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SysfsFixtures.Pmem61)]
    [InlineData(SysfsFixtures.Pmem54NoAlign)]
    [InlineData(SysfsFixtures.HmemMappings)]
    public void ValidateGeometry_2MiBFixtures_AreAccepted(string fixture)
    {
        string name = fixture == SysfsFixtures.HmemMappings ? "dax1.0" : "dax0.0";
        uint minor = fixture == SysfsFixtures.HmemMappings ? 1u : 0u;
        DevDaxInfo info = DevDaxSysfs.Read(SysfsFixtures.Root(fixture), "/dev/" + name, 252, minor);

        Exception? ex = Record.Exception(() => DevDaxRegionDevice.ValidateGeometry(info, "/dev/" + name));

        Assert.Null(ex);
    }

    [Theory]
    [InlineData(1L << 30)]
    [InlineData(4 * MiB)]
    public void ValidateGeometry_AlignMultipleOf2MiB_IsAccepted(long align)
    {
        Exception? ex = Record.Exception(() => DevDaxRegionDevice.ValidateGeometry(Info(align: align), "/dev/dax0.0"));

        Assert.Null(ex);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-2 * MiB)]
    [InlineData(1 * MiB)]
    [InlineData(3 * MiB)]
    public void ValidateGeometry_AlignNotMultipleOf2MiB_IsRefused(long align)
    {
        var ex = Assert.Throws<RegionException>(() => DevDaxRegionDevice.ValidateGeometry(Info(align: align), "/dev/dax0.0"));

        Assert.Equal(RegionError.InvalidArgument, ex.Error);
        Assert.Contains($"align {align}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(3 * MiB)]
    [InlineData(2 * MiB + 4096)]
    public void ValidateGeometry_SizeNotPositiveMultipleOf2MiB_IsRefused(long size)
    {
        var ex = Assert.Throws<RegionException>(() => DevDaxRegionDevice.ValidateGeometry(Info(size: size), "/dev/dax0.0"));

        Assert.Equal(RegionError.InvalidArgument, ex.Error);
        Assert.Contains($"size {size}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateGeometry_PhysicalBaseNot2MiBAligned_IsRefused()
    {
        var ex = Assert.Throws<RegionException>(
            () => DevDaxRegionDevice.ValidateGeometry(Info(physicalBase: 0x1_5020_1000), "/dev/dax0.0"));

        Assert.Equal(RegionError.InvalidArgument, ex.Error);
        Assert.Contains("0x150201000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsCharacterDevice_DevNull_IsTrue()
    {
        Assert.True(DevDaxRegionDevice.IsCharacterDevice("/dev/null"));
    }

    [Fact]
    public void IsCharacterDevice_SymlinkToDevNull_IsTrue()
    {
        string link = _temp.Combine("dax-link");
        File.CreateSymbolicLink(link, "/dev/null");

        Assert.True(DevDaxRegionDevice.IsCharacterDevice(link));
    }

    [Fact]
    public void IsCharacterDevice_RegularFileOrDirectory_IsFalse()
    {
        string file = _temp.Combine("plain");
        File.WriteAllText(file, "x");

        Assert.False(DevDaxRegionDevice.IsCharacterDevice(file));
        Assert.False(DevDaxRegionDevice.IsCharacterDevice(_temp.Path));
    }

    [Fact]
    public void IsCharacterDevice_MissingPath_IsFalse()
    {
        Assert.False(DevDaxRegionDevice.IsCharacterDevice(_temp.Combine("missing")));
        Assert.False(DevDaxRegionDevice.IsCharacterDevice(_temp.Combine("missing", "deeper")));
    }

    [Fact]
    public void Open_DevNull_FailsBecauseSysfsHasNoDaxFactsNamingThePath()
    {
        var ex = Assert.Throws<RegionException>(() => DevDaxRegionDevice.Open("/dev/null"));

        Assert.Equal(RegionError.NotFound, ex.Error);
        Assert.Contains("/dev/null", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DevNullWithFixtureSysfs_FailsNamingThePathAndTheMissingSize()
    {
        var options = new RegionDeviceOptions { SysfsRoot = SysfsFixtures.Root(SysfsFixtures.Pmem61) };

        var ex = Assert.Throws<RegionException>(() => DevDaxRegionDevice.Open("/dev/null", options));

        Assert.Equal(RegionError.NotFound, ex.Error);
        Assert.Contains("/dev/null", ex.Message, StringComparison.Ordinal);
        Assert.Contains("size", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RegionDeviceOpen_DevNull_IsTreatedAsDevDaxAndFails()
    {
        var ex = Assert.Throws<RegionException>(() => RegionDevice.Open("/dev/null"));

        Assert.Equal(RegionError.NotFound, ex.Error);
        Assert.Contains("/dev/null", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_RegularFile_IsInvalidArgumentNotACharacterDevice()
    {
        string file = _temp.Combine("plain");
        File.WriteAllBytes(file, new byte[4096]);

        var ex = Assert.Throws<RegionException>(() => DevDaxRegionDevice.Open(file));

        Assert.Equal(RegionError.InvalidArgument, ex.Error);
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a character device", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingDevice_IsNotFoundWithErrnoName()
    {
        string missing = _temp.Combine("dax7.7");

        var ex = Assert.Throws<RegionException>(() => DevDaxRegionDevice.Open(missing));

        Assert.Equal(RegionError.NotFound, ex.Error);
        Assert.Contains($"open of {missing} failed: ENOENT (", ex.Message, StringComparison.Ordinal);
    }

    private static DevDaxInfo Info(long size = 16 * MiB, long align = 2 * MiB, ulong physicalBase = 0x1_5020_0000) =>
        new("dax0.0", "/sys/devices/platform/e820_pmem/ndbus0/region0/dax0.0/dax0.0", size, align, physicalBase, 0, false);
}
