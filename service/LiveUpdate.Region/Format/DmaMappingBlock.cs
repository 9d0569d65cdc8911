using System.Buffers.Binary;

namespace LiveUpdate.Region.Format;

/// <summary>
/// A 4 KiB block of a DMA domain's mapping records (the replay record), chained from the domain page. Records
/// are dense: every block but the last is full, so record <c>i</c> is in block <c>i / Capacity</c>.
/// <code>
///    0 magic "LUMP" | 4 count | 8 domain id (16 bit) | 10 reserved | 12 index in chain | 16 next block
///   24 reserved | 48 records (101 × 40) | 4088 checksum
/// record: 0 IOVA | 8 length | 16 file inode | 24 file offset | 32 flags (bit 0 read, bit 1 write) | 36 reserved
/// </code>
/// </summary>
internal static class DmaMappingBlock
{
    /// <summary>"LUMP" little-endian.</summary>
    public const uint MagicValue = 0x504D554C;

    /// <summary>Offset of the first record.</summary>
    public const int RecordsOffset = 48;

    /// <summary>Bytes of one record.</summary>
    public const int RecordSize = 40;

    /// <summary>Records per block.</summary>
    public const int Capacity = (RegionLayout.SmallGranule - RecordsOffset - sizeof(ulong)) / RecordSize;

    /// <summary>Flag: the device may read.</summary>
    public const uint FlagRead = 1;

    /// <summary>Flag: the device may write.</summary>
    public const uint FlagWrite = 2;

    /// <summary>One mapping record.</summary>
    public readonly record struct Record(ulong Iova, long Length, ulong FileInode, long FileOffset, uint Flags);

    /// <summary>The decoded header of a block.</summary>
    public readonly record struct Header(int Count, ushort DomainId, int Index, long Next);

    /// <summary>Writes a whole sealed block.</summary>
    public static void Write(Span<byte> block, ushort domainId, int index, long next, ReadOnlySpan<Record> records)
    {
        block = block[..RegionLayout.SmallGranule];
        block.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(block, MagicValue);
        BinaryPrimitives.WriteInt32LittleEndian(block[4..], records.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(block[8..], domainId);
        BinaryPrimitives.WriteInt32LittleEndian(block[12..], index);
        BinaryPrimitives.WriteInt64LittleEndian(block[16..], next);
        for (var i = 0; i < records.Length; i++)
        {
            var r = block[(RecordsOffset + (i * RecordSize))..];
            BinaryPrimitives.WriteUInt64LittleEndian(r, records[i].Iova);
            BinaryPrimitives.WriteInt64LittleEndian(r[8..], records[i].Length);
            BinaryPrimitives.WriteUInt64LittleEndian(r[16..], records[i].FileInode);
            BinaryPrimitives.WriteInt64LittleEndian(r[24..], records[i].FileOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(r[32..], records[i].Flags);
        }

        Checksum.Seal(block, Checksum.DmaMappingSeed);
    }

    /// <summary>Reads a block; null with <paramref name="problem"/> set when it is not intact.</summary>
    public static (Header Header, Record[] Records)? Read(ReadOnlySpan<byte> block, out string? problem)
    {
        block = block[..RegionLayout.SmallGranule];
        problem = null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(block) != MagicValue)
        {
            problem = "not a DMA mapping block (bad magic)";
            return null;
        }

        if (!Checksum.Verify(block, Checksum.DmaMappingSeed))
        {
            problem = "checksum mismatch";
            return null;
        }

        var header = new Header(
            BinaryPrimitives.ReadInt32LittleEndian(block[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(block[8..]),
            BinaryPrimitives.ReadInt32LittleEndian(block[12..]),
            BinaryPrimitives.ReadInt64LittleEndian(block[16..]));
        if (header.Count is < 1 or > Capacity)
        {
            problem = $"record count {header.Count} is outside 1..{Capacity}";
            return null;
        }

        var records = new Record[header.Count];
        for (var i = 0; i < records.Length; i++)
        {
            var r = block[(RecordsOffset + (i * RecordSize))..];
            records[i] = new Record(
                BinaryPrimitives.ReadUInt64LittleEndian(r),
                BinaryPrimitives.ReadInt64LittleEndian(r[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(r[16..]),
                BinaryPrimitives.ReadInt64LittleEndian(r[24..]),
                BinaryPrimitives.ReadUInt32LittleEndian(r[32..]));
        }

        return (header, records);
    }
}
