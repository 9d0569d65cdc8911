using System.Buffers.Binary;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Tests.Format;

public sealed class ChecksumTests
{
    public static TheoryData<string> Structures => ["superblock", "inode", "extent block", "chunk table page", "journal record"];

    [Theory]
    [MemberData(nameof(Structures))]
    public void Sealed_Verifies(string structure)
    {
        var (record, seed) = SealedRecord(structure);
        Assert.True(Checksum.Verify(record, seed));
    }

    [Theory]
    [MemberData(nameof(Structures))]
    public void AnyFlippedBit_FailsVerification(string structure)
    {
        var (record, seed) = SealedRecord(structure);
        for (var bit = 0; bit < record.Length * 8; bit++)
        {
            record[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(Checksum.Verify(record, seed), $"{structure}: flipping bit {bit} (byte {bit / 8}) went unnoticed");
            record[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        Assert.True(Checksum.Verify(record, seed));
    }

    [Theory]
    [MemberData(nameof(Structures))]
    public void SealedForOneStructure_DoesNotVerifyAsAnother(string structure)
    {
        var (record, seed) = SealedRecord(structure);
        foreach (var other in new[] { Checksum.SuperblockSeed, Checksum.InodeSeed, Checksum.ExtentBlockSeed, Checksum.ChunkTableSeed, Checksum.JournalSeed })
        {
            Assert.Equal(other == seed, Checksum.Verify(record, other));
        }
    }

    [Fact]
    public void AllZeroRecord_DoesNotVerify()
    {
        // A never-written slot must not pass for a sealed record of any structure.
        foreach (var seed in new[] { Checksum.SuperblockSeed, Checksum.InodeSeed, Checksum.ExtentBlockSeed, Checksum.ChunkTableSeed, Checksum.JournalSeed })
        {
            Assert.False(Checksum.Verify(new byte[512], seed));
            Assert.False(Checksum.Verify(new byte[4096], seed));
        }
    }

    [Fact]
    public void Seal_WritesOnlyTheTrailingEightBytes()
    {
        var record = new byte[64];
        Random.Shared.NextBytes(record);
        var before = record.ToArray();
        Checksum.Seal(record, Checksum.InodeSeed);
        Assert.Equal(before[..^8], record[..^8]);
        Assert.Equal(Checksum.Of(record, Checksum.InodeSeed), BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(56)));
    }

    /// <summary>A realistic, sealed record of each structure, written by the engine's own writers.</summary>
    private static (byte[] Record, ulong Seed) SealedRecord(string structure)
    {
        switch (structure)
        {
            case "superblock":
            {
                var sb = default(SuperblockRecord);
                sb.Magic = SuperblockRecord.MagicValue;
                sb.FormatVersion = RegionLayout.CurrentFormatVersion;
                sb.RegionUuid = Uuid.From(Guid.NewGuid());
                sb.RegionSize = 64L << 20;
                sb.Generation = 7;
                var bytes = new byte[SuperblockRecord.TotalSize];
                sb.WriteSealed(bytes);
                return (bytes, Checksum.SuperblockSeed);
            }

            case "inode":
            {
                var inode = default(InodeRecord);
                inode.Magic = InodeRecord.MagicValue;
                inode.Kind = (byte)FileKind.Blob;
                inode.Number = 42;
                inode.Generation = 3;
                inode.Size = 12345;
                inode.Name[0] = (byte)'x';
                inode.NameLength = 1;
                var bytes = new byte[InodeRecord.TotalSize];
                inode.WriteSealed(bytes);
                return (bytes, Checksum.InodeSeed);
            }

            case "extent block":
            {
                var bytes = new byte[ExtentBlock.TotalSize];
                ExtentBlock.Write(bytes, 42, 3, 0, 0, [new ExtentRecord(2L << 20, 4096), new ExtentRecord(6L << 20, 8192)]);
                return (bytes, Checksum.ExtentBlockSeed);
            }

            case "chunk table page":
            {
                var bytes = new byte[ChunkTablePage.TotalSize];
                var entries = new long[ChunkTablePage.EntriesPerPage];
                entries[0] = 2L << 20;
                ChunkTablePage.Write(bytes, 0, entries);
                return (bytes, Checksum.ChunkTableSeed);
            }

            case "journal record":
            {
                var length = JournalRecord.HeaderSize + JournalRecord.EntrySize(24) + JournalRecord.TrailerSize;
                var bytes = new byte[length];
                JournalRecord.WriteHeader(bytes, 1, 5, JournalRecord.NonceOf(Guid.NewGuid()), length);
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(JournalRecord.HeaderSize), 2L << 20);
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(JournalRecord.HeaderSize + 8), 24);
                bytes.AsSpan(JournalRecord.HeaderSize + JournalRecord.EntryHeaderSize, 24).Fill(0x5A);
                Checksum.Seal(bytes, Checksum.JournalSeed);
                return (bytes, Checksum.JournalSeed);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(structure), structure, null);
        }
    }
}
