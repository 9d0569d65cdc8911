using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

/// <summary>Bytes handed to a new owner, or newly added to a file, read as zeros (docs/design.md §4 "Zeroing").</summary>
public sealed class ZeroingTests : IDisposable
{
    private readonly TempRegion _temp = new(64 * MiB);
    private readonly PersistentRegion _region;

    public ZeroingTests()
    {
        _region = _temp.Format();
    }

    [Theory]
    [InlineData(FileKind.GuestMemory, 4 * MiB)]
    [InlineData(FileKind.GuestMemory, 2 * MiB)]
    [InlineData(FileKind.Blob, 64 * 1024)]
    [InlineData(FileKind.DeviceState, 3 * MiB)]
    [InlineData(FileKind.IommuPageTable, 8192)]
    public void Create_InSpaceAnotherFileWroteAndFreed_ReadsAllZeros(FileKind kind, long size)
    {
        var first = _region.CreateFile("/first", size, kind);
        FillAllocation(_region, first, 0xAB);
        Assert.All(ReadFile(_region, first, 0, (int)size), b => Assert.Equal(0xAB, b));
        _region.Remove("/first");

        var second = _region.CreateFile("/second", size, kind);

        Assert.Equal(first.Extents.Select(e => e.RegionOffset), second.Extents.Select(e => e.RegionOffset)); // the same space
        Assert.False(ReadFile(_region, second, 0, (int)second.AllocatedBytes).AsSpan().ContainsAnyExcept((byte)0));
        AssertHealthy(_region);
    }

    [Fact]
    public void Create_AfterReattach_InSpaceAnotherFileWrote_ReadsAllZeros()
    {
        var first = _region.CreateFile("/first", 6 * MiB, FileKind.GuestMemory);
        FillAllocation(_region, first, 0xCD);
        _region.Remove("/first");
        _region.Dispose();

        using var again = _temp.Attach();
        var second = again.CreateFile("/second", 6 * MiB, FileKind.GuestMemory);
        Assert.Equal(first.Extents[0].RegionOffset, second.Extents[0].RegionOffset);
        Assert.False(ReadFile(again, second, 0, (int)second.AllocatedBytes).AsSpan().ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void ShrinkThenGrow_Blob_ReadsZeroPastTheOldSize()
    {
        var file = _region.CreateFile("/blob", 10000, FileKind.Blob);
        FillAllocation(_region, file, 0xEE); // the whole 12 KiB, including the slack past 10000

        _region.Resize("/blob", 5000);
        var grown = _region.Resize("/blob", 12000);

        var bytes = ReadFile(_region, grown, 0, 12288);
        Assert.All(bytes[..5000], b => Assert.Equal(0xEE, b));
        Assert.False(bytes.AsSpan(5000).ContainsAnyExcept((byte)0), "bytes past the size the file was shrunk to are not zero");
        AssertHealthy(_region);
    }

    [Fact]
    public void ShrinkWithinAPage_ThenGrow_ReadsZeroPastTheOldSize()
    {
        var file = _region.CreateFile("/blob", 4000, FileKind.Blob);
        FillAllocation(_region, file, 0x11);
        _region.Resize("/blob", 1000);
        var grown = _region.Resize("/blob", 4096);
        var bytes = ReadFile(_region, grown, 0, 4096);
        Assert.All(bytes[..1000], b => Assert.Equal(0x11, b));
        Assert.False(bytes.AsSpan(1000).ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void ShrinkThenGrow_GuestMemory_ReadsZeroPastTheOldSize()
    {
        var file = _region.CreateFile("/mem", 8 * MiB, FileKind.GuestMemory);
        FillAllocation(_region, file, 0x77);

        _region.Resize("/mem", 2 * MiB);
        var grown = _region.Resize("/mem", 8 * MiB);

        Assert.All(ReadFile(_region, grown, 0, (int)(2 * MiB)), b => Assert.Equal(0x77, b));
        Assert.False(ReadFile(_region, grown, 2 * MiB, (int)(6 * MiB)).AsSpan().ContainsAnyExcept((byte)0));
        AssertHealthy(_region);
    }

    [Fact]
    public void Grow_IntoSpaceAnotherFileWroteAndFreed_ReadsZero()
    {
        var blob = _region.CreateFile("/blob", 4096, FileKind.Blob);
        var other = _region.CreateFile("/other", 64 * 1024, FileKind.Blob);
        Assert.Equal(blob.Extents[0].RegionOffset + 4096, other.Extents[0].RegionOffset);
        FillAllocation(_region, other, 0x99);
        FillAllocation(_region, blob, 0x42);
        _region.Remove("/other");

        var grown = _region.Resize("/blob", 32 * 1024);

        Assert.Single(grown.Extents); // it grew into the space right after it
        var bytes = ReadFile(_region, grown, 0, 32 * 1024);
        Assert.All(bytes[..4096], b => Assert.Equal(0x42, b));
        Assert.False(bytes.AsSpan(4096).ContainsAnyExcept((byte)0));
    }

    public void Dispose()
    {
        _region.Dispose();
        _temp.Dispose();
    }
}
