using LiveUpdate.Region;
using LiveUpdate.Region.Namespaces;
using LiveUpdate.Service.Namespaces;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveUpdate.Service.Tests.Namespaces;

/// <summary>
/// Namespace name → device resolution and the region's checks, read from a folder tree laid out as the kernel's sysfs
/// (<see cref="NdSysfsTree"/>). The kernel's side (ndctl creating and destroying namespaces, real /dev/daxX.Y nodes,
/// ownership) runs end to end only in the kexec lab under Debian's 7.3 kernel with ramdax.
/// </summary>
public sealed class NamespaceSysfsTests : IDisposable
{
    private const long MiB = 1L << 20;
    private readonly NdSysfsTree _tree = new();

    private NamespaceSysfs Sysfs() => new(_tree.Root, _tree.RegionPath, "/dev");

    [Fact]
    public void NamedNamespaces_ResolveToTheirDaxDevices_ByName()
    {
        _tree.AddNamespace("namespace0.0", NamespaceNames.Metadata, 64 * MiB, "dax0.0", "252:0", 0x4000_0000 + (2 * MiB), 62 * MiB);
        var name = NamespaceNames.ForFile(Guid.NewGuid());
        _tree.AddNamespace("namespace0.1", name, 128 * MiB, "dax0.1", "252:1", 0x4400_0000 + (4 * MiB), 124 * MiB);
        _tree.AddNamespace("namespace0.2", string.Empty, 0); // the kernel's seed for the next create

        var sysfs = Sysfs();
        sysfs.RequireLabelCapable();
        Assert.Equal("region0", sysfs.RegionName);
        Assert.Equal(16 * MiB, sysfs.RegionAlign());
        var entries = sysfs.Entries();
        Assert.Equal(["namespace0.0", "namespace0.1"], entries.Select(e => e.Device));

        var file = sysfs.Resolve(sysfs.Find(name)!);
        Assert.Equal(new NamespaceInfo(name, 0x4400_0000 + (4 * MiB), 124 * MiB, "/dev/dax0.1", 252, 1), file);
        Assert.Equal(0x4000_0000UL + (2 * MiB), sysfs.Resolve(entries[0]).PhysicalStart);
    }

    [Fact]
    public void AfterABootThatRenumberedTheDevices_TheSameNameFindsTheNewDevice()
    {
        var name = NamespaceNames.ForFile(Guid.NewGuid());
        _tree.AddNamespace("namespace0.1", name, 128 * MiB, "dax0.0", "252:0", 0x4400_0000, 124 * MiB);
        var before = Sysfs().Resolve(Sysfs().Find(name)!);

        _tree.RemoveNamespace("namespace0.1", "dax0.0");
        _tree.AddNamespace("namespace0.3", name, 128 * MiB, "dax0.2", "251:7", 0x4400_0000, 124 * MiB);
        var after = Sysfs().Resolve(Sysfs().Find(name)!);

        Assert.Equal("/dev/dax0.2", after.DevicePath);
        Assert.Equal((251u, 7u), (after.DeviceMajor, after.DeviceMinor));
        Assert.Equal(before.PhysicalStart, after.PhysicalStart);
    }

    [Fact]
    public void ANamespaceNotInDevDaxMode_HasNoDevice_AndIsListedWithoutOne()
    {
        var name = NamespaceNames.ForFile(Guid.NewGuid());
        _tree.AddNamespace("namespace0.1", name, 128 * MiB);
        var sysfs = Sysfs();

        var ex = Assert.Throws<RegionException>(() => sysfs.Resolve(sysfs.Find(name)!));
        Assert.Contains("not enabled in devdax mode", ex.Message, StringComparison.Ordinal);

        var directory = new NdNamespaceDirectory(sysfs, new NdctlTool("ndctl"), _tree.Root, NullLogger.Instance);
        var listed = Assert.Single(directory.List());
        Assert.Equal((name, string.Empty, 0UL), (listed.Name, listed.DevicePath, listed.PhysicalStart));
    }

    [Fact]
    public void ALabelLessRegion_IsRefused_SayingToBindItToRamdax()
    {
        using var tree = new NdSysfsTree(region: 1, nstype: 4);

        var ex = Assert.Throws<RegionException>(() => new NamespaceSysfs(tree.Root, tree.RegionPath, "/dev").RequireLabelCapable());

        Assert.Equal(RegionError.UnsupportedFormat, ex.Error);
        Assert.Contains("is not label-capable (nstype 4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("echo ramdax > /sys/bus/platform/devices/e820_pmem/driver_override", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingRegion_IsRefused_NamingModprobeRamdax()
    {
        var ex = Assert.Throws<RegionException>(() => new NamespaceSysfs(_tree.Root, Path.Combine(_tree.Root, "bus", "nd", "devices", "region7"), "/dev").RequireLabelCapable());

        Assert.Equal(RegionError.NotFound, ex.Error);
        Assert.Contains("modprobe ramdax", ex.Message, StringComparison.Ordinal);
        Assert.Contains("driver_override", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RegionBytes_IsTheWholeRegionsSize_WhatPercentageQuotasAreOf()
    {
        File.WriteAllText(Path.Combine(_tree.RegionFolder, "size"), "2147483648\n");
        Assert.Equal(2048 * MiB, Sysfs().RegionBytes());

        File.WriteAllText(Path.Combine(_tree.RegionFolder, "size"), "lots\n");
        Assert.Throws<RegionException>(() => Sysfs().RegionBytes());
    }

    [Fact]
    public void ACreateLargerThanTheRegionsLargestFreeRange_IsRefusedBeforeNdctlRuns()
    {
        File.WriteAllText(Path.Combine(_tree.RegionFolder, "max_available_extent"), $"{100 * MiB}\n");
        var sysfs = Sysfs();
        Assert.Equal(100 * MiB, sysfs.AvailableBytes());
        var directory = new NdNamespaceDirectory(sysfs, new NdctlTool("/nonexistent/ndctl"), _tree.Root, NullLogger.Instance);

        var ex = Assert.Throws<RegionException>(() => directory.Create(NamespaceNames.ForFile(Guid.NewGuid()), 124 * MiB, 1000));

        Assert.Equal(RegionError.NoSpace, ex.Error);
        Assert.Contains($"room for a namespace of {100 * MiB} bytes at most", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"need one of {128 * MiB}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutNdctl_ACreate_FailsSayingWhichPackageToInstall()
    {
        var directory = new NdNamespaceDirectory(Sysfs(), new NdctlTool("/nonexistent/ndctl"), _tree.Root, NullLogger.Instance);

        var ex = Assert.Throws<RegionException>(() => directory.Create(NamespaceNames.ForFile(Guid.NewGuid()), 2 * MiB, 1000));

        Assert.Equal(RegionError.Io, ex.Error);
        Assert.Contains("apt-get install ndctl", ex.Message, StringComparison.Ordinal);
        Assert.Empty(directory.List());
    }

    [Theory]
    [InlineData("16777216", 16L << 20)]
    [InlineData("0x1000000", 16L << 20)]
    public void RegionAlign_ReadsDecimalOrHex(string text, long expected)
    {
        using var tree = new NdSysfsTree(region: 2, align: text);
        Assert.Equal(expected, new NamespaceSysfs(tree.Root, tree.RegionPath, "/dev").RegionAlign());
    }

    [Theory]
    [InlineData("/sys/bus/nd/devices/region0", true)]
    [InlineData("/sys/bus/nd/devices/region12/", true)]
    [InlineData("/sys/devices/platform/e820_pmem/ndbus0/region0", true)]
    [InlineData("/dev/dax0.0", false)]
    [InlineData("/dev/shm/liveupdate/region", false)]
    [InlineData("/sys/bus/nd/devices/namespace0.0", false)]
    public void TheNamespacesBackend_IsChosenByAnNdRegionPath(string path, bool namespaces) =>
        Assert.Equal(namespaces, LiveUpdate.Service.Regions.NamespaceRegion.IsNdRegionPath(path));

    public void Dispose() => _tree.Dispose();
}
