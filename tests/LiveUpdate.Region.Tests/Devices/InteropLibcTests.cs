using System.Runtime.Versioning;

namespace LiveUpdate.Region.Tests.Devices;

[SupportedOSPlatform("linux")]
public sealed class InteropLibcTests
{
    [Fact]
    public void Error_NamesOperationErrnoAndStrerror()
    {
        var ex = Assert.IsType<RegionException>(Interop.Libc.Error(Interop.Libc.ENOMEM, "mmap of /dev/dax0.0 (68719476736 bytes)"));

        Assert.Equal(RegionError.Io, ex.Error);
        Assert.Equal("mmap of /dev/dax0.0 (68719476736 bytes) failed: ENOMEM (Cannot allocate memory)", ex.Message);
    }

    [Theory]
    [InlineData(Interop.Libc.ENOENT, "ENOENT", RegionError.NotFound)]
    [InlineData(Interop.Libc.EBUSY, "EBUSY", RegionError.Busy)]
    [InlineData(Interop.Libc.EWOULDBLOCK, "EAGAIN", RegionError.Busy)]
    [InlineData(Interop.Libc.EINVAL, "EINVAL", RegionError.InvalidArgument)]
    [InlineData(Interop.Libc.EACCES, "EACCES", RegionError.Io)]
    [InlineData(Interop.Libc.ENODEV, "ENODEV", RegionError.Io)]
    [InlineData(Interop.Libc.ENOSPC, "ENOSPC", RegionError.Io)]
    [InlineData(Interop.Libc.EOPNOTSUPP, "EOPNOTSUPP", RegionError.Io)]
    [InlineData(4095, "errno 4095", RegionError.Io)]
    public void Error_MapsErrnoToNameAndKind(int errno, string name, RegionError kind)
    {
        var ex = Assert.IsType<RegionException>(Interop.Libc.Error(errno, "op of /x"));

        Assert.Equal(kind, ex.Error);
        Assert.StartsWith($"op of /x failed: {name} (", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mmap_OfDeviceWithoutMmap_ThrowsNamingPathLengthAndErrno()
    {
        using var fd = Interop.Libc.Open("/dev/null", Interop.Libc.O_RDWR | Interop.Libc.O_CLOEXEC);

        var ex = Assert.Throws<RegionException>(
            () => Interop.Libc.Mmap(fd, 2 << 20, Interop.Libc.PROT_READ | Interop.Libc.PROT_WRITE, Interop.Libc.MAP_SHARED, "/dev/null"));

        Assert.Equal("mmap of /dev/null (2097152 bytes) failed: ENODEV (No such device)", ex.Message);
    }

    [Fact]
    public void Statx_DevNull_ReportsCharacterDevice1Colon3()
    {
        Interop.Libc.StatxBuffer status = Interop.Libc.Statx("/dev/null");

        Assert.True(status.IsCharacterDevice);
        Assert.False(status.IsRegularFile);
        Assert.Equal(1u, status.RdevMajor);
        Assert.Equal(3u, status.RdevMinor);
    }

    [Fact]
    public void StatxBuffer_HasTheKernelLayout()
    {
        Assert.Equal(256, System.Runtime.CompilerServices.Unsafe.SizeOf<Interop.Libc.StatxBuffer>());
        Assert.Equal(0, Offset(nameof(Interop.Libc.StatxBuffer.Mask)));
        Assert.Equal(20, Offset(nameof(Interop.Libc.StatxBuffer.Uid)));
        Assert.Equal(24, Offset(nameof(Interop.Libc.StatxBuffer.Gid)));
        Assert.Equal(28, Offset(nameof(Interop.Libc.StatxBuffer.Mode)));
        Assert.Equal(32, Offset(nameof(Interop.Libc.StatxBuffer.Inode)));
        Assert.Equal(40, Offset(nameof(Interop.Libc.StatxBuffer.Size)));
        Assert.Equal(48, Offset(nameof(Interop.Libc.StatxBuffer.Blocks)));
        Assert.Equal(128, Offset(nameof(Interop.Libc.StatxBuffer.RdevMajor)));
        Assert.Equal(132, Offset(nameof(Interop.Libc.StatxBuffer.RdevMinor)));
        Assert.Equal(136, Offset(nameof(Interop.Libc.StatxBuffer.DevMajor)));
        Assert.Equal(140, Offset(nameof(Interop.Libc.StatxBuffer.DevMinor)));
    }

    private static int Offset(string field) => (int)System.Runtime.InteropServices.Marshal.OffsetOf<Interop.Libc.StatxBuffer>(field);
}
