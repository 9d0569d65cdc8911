using CsCheck;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>
/// One fuzz target per decoder of untrusted region bytes: whatever the span holds, a decoder returns a value;
/// the only exception it may throw is <see cref="ArgumentOutOfRangeException"/> for a span shorter than what it reads.
/// </summary>
public sealed class DecoderFuzzTests
{
    private const long Iterations = 20_000;

    private static readonly Gen<byte[]> s_spans = Gen.Byte.Array[0, 1200];

    [Fact]
    public void SuperblockRecord_RandomSpans_DecodeAndVerifyOrRejectAShortSpan()
    {
        s_spans.Sample(bytes =>
        {
            ShortSpanOnly(bytes, SuperblockRecord.TotalSize, () => SuperblockRecord.Read(bytes));
            ShortSpanOnly(bytes, sizeof(ulong), () => Checksum.Verify(bytes, Checksum.SuperblockSeed));
            if (bytes.Length >= SuperblockRecord.TotalSize)
            {
                var record = SuperblockRecord.Read(bytes);
                _ = record.RegionUuid.ToGuid();
                _ = record.BootId.ToGuid();
                var sealedCopy = new byte[SuperblockRecord.TotalSize];
                record.WriteSealed(sealedCopy);
                Assert.True(Checksum.Verify(sealedCopy, Checksum.SuperblockSeed));
                Assert.Equal(sealedCopy.AsSpan(0, 504).ToArray(), bytes.AsSpan(0, 504).ToArray());
            }
        }, iter: Iterations);
    }

    [Fact]
    public void InodeRecord_RandomSpans_DecodeOrRejectAShortSpan()
    {
        s_spans.Sample(bytes =>
        {
            ShortSpanOnly(bytes, InodeRecord.TotalSize, () => InodeRecord.Read(bytes));
            ShortSpanOnly(bytes, sizeof(ulong), () => Checksum.Verify(bytes, Checksum.InodeSeed));
            if (bytes.Length >= InodeRecord.TotalSize)
            {
                var record = InodeRecord.Read(bytes);
                _ = record.VmUuid.ToGuid();
                ReadOnlySpan<byte> name = record.Name;
                _ = NameRules.Decode(name[..Math.Min((int)record.NameLength, name.Length)]);
                ReadOnlySpan<ExtentRecord> extents = record.Extents;
                Assert.Equal(InodeRecord.InlineExtentCapacity, extents.Length);
            }
        }, iter: Iterations);
    }

    [Fact]
    public void StoredName_RandomBytes_DecodeToAValidNameOrNull()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            var name = NameRules.Decode(bytes);
            if (name is not null)
            {
                NameRules.ValidateName(name);
            }
        }, iter: Iterations);
    }

    [Fact]
    public void ExtentBlockHeader_RandomSpans_DecodeOrRejectAShortSpan()
    {
        s_spans.Sample(bytes =>
        {
            ShortSpanOnly(bytes, 40, () => ExtentBlock.ReadHeader(bytes));
            ShortSpanOnly(bytes, sizeof(ulong), () => Checksum.Verify(bytes, Checksum.ExtentBlockSeed));
            if (bytes.Length >= 40)
            {
                var header = ExtentBlock.ReadHeader(bytes);
                if (header.Count is >= 0 and <= ExtentBlock.Capacity)
                {
                    ShortSpanOnly(bytes, ExtentBlock.ExtentsOffset + (header.Count * ExtentRecord.TotalSize), () => ExtentBlock.Extents(bytes, header.Count).Length);
                }
            }
        }, iter: Iterations);
    }

    [Fact]
    public void JournalRecordHeader_RandomSpans_DecodeOrRejectAShortSpan()
    {
        s_spans.Sample(bytes =>
        {
            ShortSpanOnly(bytes, 28, () => JournalRecord.ReadHeader(bytes));
            ShortSpanOnly(bytes, sizeof(ulong), () => Checksum.Verify(bytes, Checksum.JournalSeed));
        }, iter: Iterations);
    }

    [Fact]
    public void ChunkTablePage_RandomSpans_DecodeOrRejectAShortSpan()
    {
        Gen.Byte.Array[0, 5000].Sample(bytes =>
        {
            ShortSpanOnly(bytes, 4, () => ChunkTablePage.Magic(bytes));
            ShortSpanOnly(bytes, 8, () => ChunkTablePage.Index(bytes));
            ShortSpanOnly(bytes, ChunkTablePage.EntriesOffset + (ChunkTablePage.EntriesPerPage * sizeof(long)), () => ChunkTablePage.Entries(bytes).Length);
        }, iter: 5_000);
    }

    /// <summary>Runs <paramref name="decode"/>: it must succeed when the span has <paramref name="needed"/> bytes and throw ArgumentOutOfRangeException when not.</summary>
    private static void ShortSpanOnly<T>(byte[] bytes, int needed, Func<T> decode)
    {
        if (bytes.Length >= needed)
        {
            _ = decode();
        }
        else
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => decode());
        }
    }
}
