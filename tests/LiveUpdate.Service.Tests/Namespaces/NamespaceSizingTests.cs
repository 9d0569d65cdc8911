using LiveUpdate.Service.Namespaces;

namespace LiveUpdate.Service.Tests.Namespaces;

/// <summary>The size asked of ndctl for a device of a given size (map=dev: info block and struct pages first, 2 MiB aligned data).</summary>
public sealed class NamespaceSizingTests
{
    private const long MiB = 1L << 20;
    private const long RamdaxAlign = 16 * MiB;

    [Fact]
    public void A128MiBNamespace_Gives124MiB_AsMeasuredUnderRamdax() => Assert.Equal(124 * MiB, NamespaceSizing.DeviceBytes(128 * MiB));

    [Theory]
    [InlineData(2 * MiB, 16 * MiB)]
    [InlineData(124 * MiB, 128 * MiB)]
    [InlineData(126 * MiB, 144 * MiB)]
    [InlineData(1024 * MiB, 1056 * MiB)]
    public void NamespaceBytes_IsTheSmallestRegionAlignedSizeThatHoldsTheFile(long file, long expected)
    {
        var size = NamespaceSizing.NamespaceBytes(file, RamdaxAlign);

        Assert.Equal(expected, size);
        Assert.True(NamespaceSizing.DeviceBytes(size) >= file);
        Assert.True(NamespaceSizing.DeviceBytes(size - RamdaxAlign) < file);
    }

    [Fact]
    public void EveryGuestMemorySize_GetsAMinimalNamespace()
    {
        for (var file = 2 * MiB; file <= 4096 * MiB; file += 2 * MiB)
        {
            var size = NamespaceSizing.NamespaceBytes(file, RamdaxAlign);
            Assert.Equal(0, size % RamdaxAlign);
            Assert.True(NamespaceSizing.DeviceBytes(size) >= file, $"{file}: {size} holds only {NamespaceSizing.DeviceBytes(size)}");
            Assert.True(size == RamdaxAlign || NamespaceSizing.DeviceBytes(size - RamdaxAlign) < file, $"{file}: {size} is not the smallest");
            Assert.Equal(0, NamespaceSizing.DeviceBytes(size) % (2 * MiB));
        }
    }
}
