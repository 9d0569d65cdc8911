using LiveUpdate.Protocol.V1;
using LiveUpdate.Qemu.Memory;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Qemu.Tests;

/// <summary>Where QEMU maps guest memory from, per backend: the region at the file's offset, or the file's own device.</summary>
public sealed class GuestMemoryPlacementTests
{
    private const ulong MiB = 1UL << 20;

    private static FileInfo Memory(string devicePath = "")
    {
        var file = new FileInfo { Path = "/vm/a/memory", Kind = FileKind.GuestMemory, SizeBytes = 256 * MiB, DevicePath = devicePath };
        file.Extents.Add(new Extent { FileOffset = 0, RegionOffset = 64 * MiB, Length = 256 * MiB });
        return file;
    }

    [Fact]
    public void DevDax_MapsTheRegionAtTheFilesOffset()
    {
        var placement = GuestMemoryPlacement.InRegion(new RegionInfo { Backend = Backend.Devdax, Path = "/dev/dax0.0" }, Memory());

        Assert.Equal("memory-backend-file,id=" + CommandLine.QemuArgumentCheck.MemoryBackendId +
            ",mem-path=/dev/dax0.0,offset=67108864,size=268435456,share=on,align=2M", placement.QemuArguments(CommandLine.QemuArgumentCheck.MemoryBackendId).ElementAt(1));
    }

    [Fact]
    public void Namespaces_MapsTheFilesOwnDevice_WithNoOffset()
    {
        var region = new RegionInfo { Backend = Backend.Namespaces, Path = "/sys/bus/nd/devices/region0" };

        var placement = GuestMemoryPlacement.InRegion(region, Memory("/dev/dax0.4"));

        Assert.Equal(new GuestMemoryPlacement("/dev/dax0.4", 0, 256 * MiB), placement);
        Assert.Equal("memory-backend-file,id=" + CommandLine.QemuArgumentCheck.MemoryBackendId +
            ",mem-path=/dev/dax0.4,size=268435456,share=on,align=2M", placement.QemuArguments(CommandLine.QemuArgumentCheck.MemoryBackendId).ElementAt(1));
    }

    [Fact]
    public void Namespaces_WithoutADevice_IsRefused()
    {
        var region = new RegionInfo { Backend = Backend.Namespaces, Path = "/sys/bus/nd/devices/region0" };

        var refused = Assert.Throws<RefusedException>(() => GuestMemoryPlacement.InRegion(region, Memory()));

        Assert.Contains("namespace is missing", refused.Message, StringComparison.Ordinal);
    }
}
