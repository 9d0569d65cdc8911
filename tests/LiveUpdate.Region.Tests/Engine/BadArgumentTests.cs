using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

/// <summary>Bad sizes, kinds and tree operations: each a RegionException with the right error, and no change.</summary>
public sealed class BadArgumentTests : IDisposable
{
    private readonly TempRegion _temp = new();
    private readonly PersistentRegion _region;

    public BadArgumentTests()
    {
        _region = _temp.Format();
        _region.MakeDirectory("/dir");
        _region.MakeDirectory("/dir/sub");
        _region.CreateFile("/dir/file", 5000, FileKind.Blob);
        _region.CreateFile("/mem", 2 * MiB, FileKind.GuestMemory);
        _region.MakeDirectory("/empty");
    }

    public static TheoryData<FileKind> FileKinds => [FileKind.GuestMemory, FileKind.DeviceState, FileKind.IommuPageTable, FileKind.Blob];

    [Theory]
    [MemberData(nameof(FileKinds))]
    public void Create_NegativeSize_IsInvalidAndChangesNothing(FileKind kind)
    {
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile("/new", -1, kind));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile("/new", -(2 * MiB), kind));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile("/new", long.MinValue, kind));
        Assert.False(_region.Exists("/new"));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(4096L)]
    [InlineData(1L << 20)]
    [InlineData(3L << 20)]
    [InlineData((2L << 20) + 1)]
    [InlineData((2L << 20) + 4096)]
    [InlineData((4L << 20) - 1)]
    public void Create_GuestMemoryNotAPositiveMultipleOf2MiB_IsInvalidAndChangesNothing(long size)
    {
        var ex = AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile("/new", size, FileKind.GuestMemory));
        Assert.Contains("2 MiB", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(100L)]
    [InlineData(4095L)]
    [InlineData(4097L)]
    [InlineData((2L << 20) + 1)]
    public void Create_IommuTableNotAMultipleOf4096_IsInvalidAndChangesNothing(long size)
    {
        var ex = AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile("/new", size, FileKind.IommuPageTable));
        Assert.Contains("4096", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(4096L)]
    [InlineData(3 * 4096L)]
    public void Create_IommuTableOfWholePages_Succeeds(long size)
    {
        var file = _region.CreateFile("/pt", size, FileKind.IommuPageTable);
        Assert.Equal(size, file.Size);
        Assert.Equal(size, file.AllocatedBytes);
        AssertHealthy(_region);
    }

    [Fact]
    public void Create_DirectoryKind_IsInvalidAndChangesNothing()
    {
        var ex = AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile("/new", 0, FileKind.Directory));
        Assert.Contains("MakeDirectory", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(42)]
    [InlineData(255)]
    public void Create_UndefinedKind_IsInvalidAndChangesNothing(int kind)
    {
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.CreateFile("/new", 4096, (FileKind)kind));
    }

    [Theory]
    [InlineData(FileKind.Blob, 1L << 40)]
    [InlineData(FileKind.DeviceState, 65L << 20)]
    [InlineData(FileKind.GuestMemory, 1L << 40)]
    [InlineData(FileKind.GuestMemory, 64L << 20)]
    [InlineData(FileKind.IommuPageTable, 1L << 40)]
    [InlineData(FileKind.Blob, (1L << 50) + 1)]
    [InlineData(FileKind.Blob, long.MaxValue)]
    [InlineData(FileKind.GuestMemory, long.MaxValue)]
    [InlineData(FileKind.GuestMemory, 1L << 62)]
    public void Create_LargerThanTheRegion_IsNoSpaceAndChangesNothing(FileKind kind, long size)
    {
        AssertFailsWithoutChange(_region, RegionError.NoSpace, () => _region.CreateFile("/new", size, kind));
    }

    [Fact]
    public void Create_RegionFull_IsNoSpaceAndChangesNothing()
    {
        // Fill the large pool with one guest-memory file: nothing is left for more guest memory.
        var free = _region.GetStatistics().LargeFreeBytes;
        _region.CreateFile("/fill", free, FileKind.GuestMemory);
        Assert.Equal(0, _region.GetStatistics().LargeFreeBytes);

        AssertFailsWithoutChange(_region, RegionError.NoSpace, () => _region.CreateFile("/more", 2 * MiB, FileKind.GuestMemory));
        AssertFailsWithoutChange(_region, RegionError.NoSpace, () => _region.Resize("/mem", 4 * MiB));
        var smallFree = _region.GetStatistics().SmallFreeBytes;
        AssertFailsWithoutChange(_region, RegionError.NoSpace, () => _region.CreateFile("/blob", smallFree + 4096, FileKind.Blob));
        AssertFailsWithoutChange(_region, RegionError.NoSpace, () => _region.Resize("/dir/file", smallFree + 8192 + 4096));

        // What is left in the small pool still serves small files, up to the last byte.
        _region.CreateFile("/blob", smallFree, FileKind.Blob);
        Assert.Equal(0, _region.GetStatistics().FreeBytes);
        AssertFailsWithoutChange(_region, RegionError.NoSpace, () => _region.CreateFile("/one-more", 1, FileKind.Blob));
        _region.CreateFile("/empty-blob", 0, FileKind.Blob); // needs no space, only an inode
        AssertHealthy(_region);
    }

    [Fact]
    public void Create_FillWithManyGuestFiles_ThenOneMore_IsNoSpace()
    {
        while (_region.GetStatistics().LargeFreeBytes >= 4 * MiB)
        {
            _region.CreateFile($"/g{_region.GetStatistics().Files}", 4 * MiB, FileKind.GuestMemory);
        }

        var left = _region.GetStatistics().LargeFreeBytes;
        AssertFailsWithoutChange(_region, RegionError.NoSpace, () => _region.CreateFile("/last", left + (2 * MiB), FileKind.GuestMemory));
        if (left > 0)
        {
            _region.CreateFile("/last", left, FileKind.GuestMemory);
        }

        AssertFailsWithoutChange(_region, RegionError.NoSpace, () => _region.CreateFile("/over", 2 * MiB, FileKind.GuestMemory));
    }

    [Fact]
    public void Create_InAMissingDirectory_IsNotFoundAndChangesNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.NotFound, () => _region.CreateFile("/nope/file", 0, FileKind.Blob));
        AssertFailsWithoutChange(_region, RegionError.NotFound, () => _region.CreateFile("/dir/nope/file", 0, FileKind.Blob));
        AssertFailsWithoutChange(_region, RegionError.NotFound, () => _region.MakeDirectory("/nope/dir"));
        AssertFailsWithoutChange(_region, RegionError.NotFound, () => _region.Rename("/mem", "/nope/mem"));
    }

    [Fact]
    public void Create_InAFile_IsWrongKindAndChangesNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.WrongKind, () => _region.CreateFile("/dir/file/x", 0, FileKind.Blob));
        AssertFailsWithoutChange(_region, RegionError.WrongKind, () => _region.CreateFile("/mem/x/y", 0, FileKind.Blob));
        AssertFailsWithoutChange(_region, RegionError.WrongKind, () => _region.MakeDirectory("/mem/x"));
        AssertFailsWithoutChange(_region, RegionError.WrongKind, () => _region.Rename("/dir/sub", "/mem/sub"));
    }

    [Fact]
    public void Create_ExistingName_IsAlreadyExistsAndChangesNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.AlreadyExists, () => _region.CreateFile("/dir/file", 0, FileKind.Blob));
        AssertFailsWithoutChange(_region, RegionError.AlreadyExists, () => _region.CreateFile("/mem", 2 * MiB, FileKind.GuestMemory));
        AssertFailsWithoutChange(_region, RegionError.AlreadyExists, () => _region.CreateFile("/dir", 0, FileKind.Blob));
        AssertFailsWithoutChange(_region, RegionError.AlreadyExists, () => _region.MakeDirectory("/dir"));
        AssertFailsWithoutChange(_region, RegionError.AlreadyExists, () => _region.MakeDirectory("/dir/file"));
        AssertFailsWithoutChange(_region, RegionError.AlreadyExists, () => _region.MakeDirectory("/"));
        AssertFailsWithoutChange(_region, RegionError.AlreadyExists, () => _region.CreateFile("/", 0, FileKind.Blob));
        AssertFailsWithoutChange(_region, RegionError.AlreadyExists, () => _region.Rename("/mem", "/dir/file"));
        AssertFailsWithoutChange(_region, RegionError.AlreadyExists, () => _region.Rename("/mem", "/mem"));
        AssertFailsWithoutChange(_region, RegionError.AlreadyExists, () => _region.Rename("/dir/file", "/dir"));
    }

    [Fact]
    public void Remove_NonEmptyDirectory_IsNotEmptyAndChangesNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.NotEmpty, () => _region.Remove("/dir"));
        _region.Remove("/dir/file");
        AssertFailsWithoutChange(_region, RegionError.NotEmpty, () => _region.Remove("/dir"));
        _region.Remove("/dir/sub");
        _region.Remove("/dir");
        Assert.False(_region.Exists("/dir"));
        AssertHealthy(_region);
    }

    [Fact]
    public void Rename_IntoItsOwnSubtree_IsInvalidAndChangesNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Rename("/dir", "/dir/inside"));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Rename("/dir", "/dir/sub/deeper"));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Rename("/dir/sub", "/dir/sub/x"));
    }

    [Fact]
    public void Rename_Root_IsInvalidAndChangesNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Rename("/", "/root"));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Rename("/", "/dir/root"));
    }

    [Fact]
    public void Remove_Root_IsInvalidAndChangesNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Remove("/"));
    }

    [Fact]
    public void MissingPath_IsNotFoundAndChangesNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.NotFound, () => _region.Stat("/nope"));
        AssertFailsWithoutChange(_region, RegionError.NotFound, () => _region.Resize("/nope", 0));
        AssertFailsWithoutChange(_region, RegionError.NotFound, () => _region.Remove("/dir/nope"));
        AssertFailsWithoutChange(_region, RegionError.NotFound, () => _region.Rename("/nope", "/other"));
        AssertFailsWithoutChange(_region, RegionError.NotFound, () => _region.List("/nope"));
        Assert.False(_region.Exists("/nope"));
    }

    [Fact]
    public void PathThroughAFile_IsWrongKindAndChangesNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.WrongKind, () => _region.Stat("/dir/file/x"));
        AssertFailsWithoutChange(_region, RegionError.WrongKind, () => _region.Resize("/mem/x", 0));
        AssertFailsWithoutChange(_region, RegionError.WrongKind, () => _region.Remove("/mem/x"));
        AssertFailsWithoutChange(_region, RegionError.WrongKind, () => _region.List("/mem"));
        Assert.False(_region.Exists("/mem/x"));
    }

    [Fact]
    public void Resize_Directory_IsWrongKindAndChangesNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.WrongKind, () => _region.Resize("/dir", 4096));
        AssertFailsWithoutChange(_region, RegionError.WrongKind, () => _region.Resize("/", 0));
    }

    [Fact]
    public void Resize_BadSizes_AreRefusedAndChangeNothing()
    {
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Resize("/dir/file", -1));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Resize("/mem", 0));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Resize("/mem", 3 * MiB));
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Resize("/mem", -(2 * MiB)));
        AssertFailsWithoutChange(_region, RegionError.NoSpace, () => _region.Resize("/mem", 1L << 40));
        AssertFailsWithoutChange(_region, RegionError.NoSpace, () => _region.Resize("/dir/file", long.MaxValue));
        _region.CreateFile("/pt", 4096, FileKind.IommuPageTable);
        AssertFailsWithoutChange(_region, RegionError.InvalidArgument, () => _region.Resize("/pt", 4097));
    }

    [Fact]
    public void DisposedRegion_ThrowsObjectDisposed()
    {
        _region.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _region.Stat("/"));
        Assert.Throws<ObjectDisposedException>(() => _region.CreateFile("/x", 0, FileKind.Blob));
        Assert.Throws<ObjectDisposedException>(() => _region.GetStatistics());
        _region.Dispose(); // twice is fine
    }

    public void Dispose()
    {
        _region.Dispose();
        _temp.Dispose();
    }
}
