using LiveUpdate.Client.Internal;

namespace LiveUpdate.Client.Tests.Internal;

public sealed class ExtentMapTests
{
    private const ulong MiB = 1 << 20;

    [Fact]
    public void Validate_ExtentsOutOfFileOrder_AreSortedAndAccepted()
    {
        FileExtent[] extents = [new(2 * MiB, 0, 2 * MiB), new(0, 8 * MiB, 2 * MiB)];

        ExtentMap.Validate(extents, 4 * MiB, "/vm/a");

        Assert.Equal(0UL, extents[0].FileOffset);
        Assert.Equal(2 * MiB, extents[1].FileOffset);
    }

    [Fact]
    public void Validate_ExtentsCoveringMoreThanTheSize_AreAccepted()
    {
        FileExtent[] extents = [new(0, 4096, 8192)];

        Exception? failure = Record.Exception(() => ExtentMap.Validate(extents, 5000, "/blob"));

        Assert.Null(failure);
    }

    [Fact]
    public void Validate_EmptyFileWithoutExtents_IsAccepted()
    {
        Exception? failure = Record.Exception(() => ExtentMap.Validate(Array.Empty<FileExtent>(), 0, "/empty"));

        Assert.Null(failure);
    }

    public static TheoryData<FileExtent[], ulong> BadMaps => new()
    {
        { [new(0, 0, 2 * MiB), new(4 * MiB, 2 * MiB, 2 * MiB)], 6 * MiB }, // gap
        { [new(0, 0, 4 * MiB), new(2 * MiB, 8 * MiB, 2 * MiB)], 6 * MiB }, // overlap
        { [new(4096, 0, 4096)], 4096 }, // does not start at 0
        { [new(0, 0, 2 * MiB)], 4 * MiB }, // too short
        { [new(0, 100, 4096)], 4096 }, // region offset not page aligned
        { [new(0, 0, 100)], 100 }, // length not page aligned
        { [new(0, 0, 0)], 0 }, // empty extent
        { [new(0, 0, 4096)], 8192 }, // does not cover the size
        { [new(0, 0, ulong.MaxValue - 4095), new(ulong.MaxValue - 4095, 0, 8192)], 4096 }, // overflow
    };

    [Theory]
    [MemberData(nameof(BadMaps))]
    public void Validate_InconsistentMap_IsProtocolViolation(FileExtent[] extents, ulong size)
    {
        var e = Assert.Throws<LiveUpdateException>(() => ExtentMap.Validate(extents, size, "/vm/a"));

        Assert.Equal(LiveUpdateError.ProtocolViolation, e.Error);
        Assert.Contains("/vm/a", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FromProtobuf_CopiesEveryField()
    {
        var extents = new Google.Protobuf.Collections.RepeatedField<LiveUpdate.Protocol.V1.Extent>
        {
            new LiveUpdate.Protocol.V1.Extent { FileOffset = 0, RegionOffset = 6 * MiB, Length = 2 * MiB },
            new LiveUpdate.Protocol.V1.Extent { FileOffset = 2 * MiB, RegionOffset = 2 * MiB, Length = 2 * MiB },
        };

        FileExtent[] result = ExtentMap.Validate(extents, 4 * MiB, "/vm/a");

        Assert.Equal([new FileExtent(0, 6 * MiB, 2 * MiB), new FileExtent(2 * MiB, 2 * MiB, 2 * MiB)], result);
    }
}
