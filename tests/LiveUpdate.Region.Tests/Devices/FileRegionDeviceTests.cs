using System.Runtime.Versioning;
using LiveUpdate.Region.Devices;

namespace LiveUpdate.Region.Tests.Devices;

[SupportedOSPlatform("linux")]
public sealed unsafe class FileRegionDeviceTests : IDisposable
{
    private const long MiB = 1L << 20;
    private const int Page = 4096;

    private readonly ShmTempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static RegionDeviceOptions Create(long size = 64 * MiB) => new() { CreateIfMissing = true, CreateSize = size };

    private static long AllocatedBytes(string path) => Interop.Libc.Statx(path).AllocatedBytes;

    [Fact]
    public void Open_CreateIfMissing_CreatesSparseFileOfCreateSize()
    {
        string path = _temp.Combine("region");

        using FileRegionDevice device = FileRegionDevice.Open(path, Create(64 * MiB));

        Assert.Equal(64 * MiB, new FileInfo(path).Length);
        Assert.Equal(64 * MiB, device.Size);
        Assert.True(AllocatedBytes(path) < MiB, $"a new region should be sparse, {AllocatedBytes(path)} bytes allocated");
    }

    [Fact]
    public void Open_CreateIfMissing_CreatesParentDirectory0700AndFile0600()
    {
        string path = _temp.Combine("a", "b", "region");

        using FileRegionDevice device = FileRegionDevice.Open(path, Create());

        const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(Owner, File.GetUnixFileMode(_temp.Combine("a", "b")));
        Assert.Equal(Owner, File.GetUnixFileMode(_temp.Combine("a")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Open_NewRegion_ReportsFileBackendAndSimulatedBase()
    {
        string path = _temp.Combine("region");
        RegionDeviceOptions options = Create() with { SimulatedPhysicalBase = 0x2_0000_0000 };

        using FileRegionDevice device = FileRegionDevice.Open(path, options);

        Assert.Equal(RegionBackend.File, device.Backend);
        Assert.Equal(path, device.Path);
        Assert.True(device.PhysicalBaseSimulated);
        Assert.Equal(0x2_0000_0000UL, device.PhysicalBase);
        Assert.True(device.Pointer != null);
        Assert.Equal(0, (long)device.Pointer % Page);
    }

    [Fact]
    public void Open_MissingWithoutCreate_IsNotFoundNamingThePath()
    {
        string path = _temp.Combine("missing");

        var ex = Assert.Throws<RegionException>(() => FileRegionDevice.Open(path));

        Assert.Equal(RegionError.NotFound, ex.Error);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("ENOENT", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-2 * MiB)]
    [InlineData(3 * MiB)]
    [InlineData(2 * MiB + 4096)]
    public void Open_CreateSizeNotPositiveMultipleOf2MiB_IsInvalidArgumentNamingTheSize(long size)
    {
        string path = _temp.Combine("region");

        var ex = Assert.Throws<RegionException>(() => FileRegionDevice.Open(path, Create(size)));

        Assert.Equal(RegionError.InvalidArgument, ex.Error);
        Assert.Contains(size.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Open_ExistingFileNotMultipleOf2MiB_IsInvalidArgumentNamingTheSize()
    {
        string path = _temp.Combine("region");
        File.WriteAllBytes(path, new byte[3 * Page]);

        var ex = Assert.Throws<RegionException>(() => FileRegionDevice.Open(path, Create()));

        Assert.Equal(RegionError.InvalidArgument, ex.Error);
        Assert.Contains("12288", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(3 * Page, new FileInfo(path).Length);
    }

    [Fact]
    public void Open_ExistingFile_KeepsItsSizeWhateverCreateSizeSays()
    {
        string path = _temp.Combine("region");
        FileRegionDevice.Open(path, Create(4 * MiB)).Dispose();

        using FileRegionDevice device = FileRegionDevice.Open(path, Create(8 * MiB));

        Assert.Equal(4 * MiB, device.Size);
    }

    [Fact]
    public void Open_SimulatedPhysicalBaseNot2MiBAligned_IsInvalidArgument()
    {
        string path = _temp.Combine("region");

        var ex = Assert.Throws<RegionException>(
            () => FileRegionDevice.Open(path, Create() with { SimulatedPhysicalBase = 0x1_0000_1000 }));

        Assert.Equal(RegionError.InvalidArgument, ex.Error);
        Assert.Contains("0x100001000", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Open_Directory_FailsNamingThePath()
    {
        var ex = Assert.Throws<RegionException>(() => FileRegionDevice.Open(_temp.Path));

        Assert.Equal(RegionError.WrongKind, ex.Error);
        Assert.Contains(_temp.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("EISDIR", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ThenReopen_ReadsBackTheBytes()
    {
        string path = _temp.Combine("region");
        long size;
        using (FileRegionDevice device = FileRegionDevice.Open(path, Create(8 * MiB)))
        {
            size = device.Size;
            "hello region"u8.CopyTo(device.Span(0, 12));
            device.Span(MiB + 7, 3).Fill(0x5A);
            device.Span(size - 1, 1)[0] = 0xEE;
        }

        using FileRegionDevice reopened = FileRegionDevice.Open(path);

        Assert.Equal(size, reopened.Size);
        Assert.True(reopened.Span(0, 12).SequenceEqual("hello region"u8));
        Assert.Equal([0, 0x5A, 0x5A, 0x5A, 0], reopened.Span(MiB + 6, 5).ToArray());
        Assert.Equal(0xEE, reopened.Span(size - 1, 1)[0]);
    }

    [Fact]
    public void Zero_WrittenRange_ReadsZeroAndNeighboursAreUntouched()
    {
        using FileRegionDevice device = FileRegionDevice.Open(_temp.Combine("region"), Create(4 * MiB));
        device.Span(0, 5 * Page).Fill(0xAB);
        const long Offset = Page + 100;
        const int Length = 2 * Page;

        device.Zero(Offset, Length);

        Assert.True(device.Span(0, (int)Offset).IndexOfAnyExcept((byte)0xAB) < 0);
        Assert.True(device.Span(Offset, Length).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(device.Span(Offset + Length, (int)(5 * Page - Offset - Length)).IndexOfAnyExcept((byte)0xAB) < 0);
    }

    [Fact]
    public void Zero_WholePages_FreesTheirMemory()
    {
        string path = _temp.Combine("region");
        using FileRegionDevice device = FileRegionDevice.Open(path, Create(4 * MiB));
        device.Span(MiB, (int)MiB).Fill(0xCD);
        long written = AllocatedBytes(path);

        device.Zero(MiB, MiB);

        Assert.True(written >= MiB, $"expected at least 1 MiB allocated after writing, got {written}");
        Assert.True(AllocatedBytes(path) < written - (MiB / 2), $"hole punch should free memory: {written} → {AllocatedBytes(path)}");
        Assert.True(device.Span(MiB, (int)MiB).IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void Zero_IsVisibleToAnotherMappingOfTheFile()
    {
        string path = _temp.Combine("region");
        using FileRegionDevice first = FileRegionDevice.Open(path, Create(4 * MiB) with { Lock = false });
        using FileRegionDevice second = FileRegionDevice.Open(path, new RegionDeviceOptions { Lock = false });
        first.Span(0, Page).Fill(0x11);
        Assert.Equal(0x11, second.Span(10, 1)[0]);

        first.Zero(0, Page);

        Assert.Equal(0, second.Span(10, 1)[0]);
    }

    [Fact]
    public void ClearThroughMapping_FallbackOfZero_ClearsOnlyTheRange()
    {
        using FileRegionDevice device = FileRegionDevice.Open(_temp.Combine("region"), Create(4 * MiB));
        device.Span(0, 3 * Page).Fill(0x77);

        device.ClearThroughMapping(10, Page);

        Assert.True(device.Span(0, 10).IndexOfAnyExcept((byte)0x77) < 0);
        Assert.True(device.Span(10, Page).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(device.Span(10 + Page, 2 * Page - 10).IndexOfAnyExcept((byte)0x77) < 0);
    }

    [Fact]
    public void Prefetch_UnalignedRange_LeavesContentUnchanged()
    {
        using FileRegionDevice device = FileRegionDevice.Open(_temp.Combine("region"), Create(4 * MiB));
        device.Span(0, 100).Fill(0x42);

        device.Prefetch(50, 3 * Page + 1);
        device.Prefetch(device.Size - 1, 1);

        Assert.True(device.Span(0, 100).IndexOfAnyExcept((byte)0x42) < 0);
        Assert.True(device.Span(100, 3 * Page).IndexOfAnyExcept((byte)0) < 0);
    }

    [Theory]
    [InlineData(-1L, 10L)]
    [InlineData(0L, -1L)]
    [InlineData(4 * MiB - 10, 11L)]
    [InlineData(4 * MiB + 1, 0L)]
    [InlineData(long.MaxValue, 2L)]
    public void ZeroAndPrefetch_OutsideTheRegion_ThrowArgumentOutOfRange(long offset, long length)
    {
        using FileRegionDevice device = FileRegionDevice.Open(_temp.Combine("region"), Create(4 * MiB));

        Assert.Throws<ArgumentOutOfRangeException>(() => device.Zero(offset, length));
        Assert.Throws<ArgumentOutOfRangeException>(() => device.Prefetch(offset, length));
    }

    [Fact]
    public void Open_SecondOpenerWhileLocked_IsBusy()
    {
        string path = _temp.Combine("region");
        using FileRegionDevice first = FileRegionDevice.Open(path, Create());

        var ex = Assert.Throws<RegionException>(() => FileRegionDevice.Open(path));

        Assert.Equal(RegionError.Busy, ex.Error);
        Assert.Equal($"region {path} is in use by another process (it holds the lock)", ex.Message);
    }

    [Fact]
    public void Open_AfterLockHolderDisposed_Succeeds()
    {
        string path = _temp.Combine("region");
        FileRegionDevice first = FileRegionDevice.Open(path, Create());
        Assert.Throws<RegionException>(() => FileRegionDevice.Open(path));

        first.Dispose();
        using FileRegionDevice second = FileRegionDevice.Open(path);

        Assert.Equal(first.Size, second.Size);
    }

    [Fact]
    public void Open_LockDisabled_SecondOpenerSharesTheRegion()
    {
        string path = _temp.Combine("region");
        using FileRegionDevice first = FileRegionDevice.Open(path, Create() with { Lock = false });
        using FileRegionDevice second = FileRegionDevice.Open(path, new RegionDeviceOptions { Lock = false });

        first.Span(123, 1)[0] = 9;

        Assert.Equal(9, second.Span(123, 1)[0]);
    }

    [Fact]
    public void RegionDeviceOpen_RegularFile_IsTheFileBackend()
    {
        using RegionDevice device = RegionDevice.Open(_temp.Combine("region"), Create());

        Assert.IsType<FileRegionDevice>(device);
        Assert.Equal(RegionBackend.File, device.Backend);
    }

    [Fact]
    public void Dispose_Twice_IsHarmlessAndSpanThenThrows()
    {
        FileRegionDevice device = FileRegionDevice.Open(_temp.Combine("region"), Create());

        device.Dispose();
        device.Dispose();

        Assert.Throws<ObjectDisposedException>(() => device.Span(0, 1).Length);
        Assert.Throws<ObjectDisposedException>(() => device.Zero(0, 1));
    }
}
