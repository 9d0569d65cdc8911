using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace LiveUpdate.Region.Format;

/// <summary>
/// A 4 KiB block of extents beyond an inode's inline ones, chained through <c>next</c>. Owner and position
/// are recorded so that a block reached from the wrong inode, or out of order, is caught.
/// <code>
///    0 magic "LUEB" | 4 count | 8 owner inode | 16 owner generation | 24 next block | 32 index in chain
///   40 reserved | 48 extents (252 × 16) | 4080 reserved | 4088 checksum
/// </code>
/// </summary>
internal static class ExtentBlock
{
    /// <summary>Bytes in a block.</summary>
    public const int TotalSize = 4096;

    /// <summary>"LUEB" little-endian.</summary>
    public const uint MagicValue = 0x4245554C;

    /// <summary>Extents per block.</summary>
    public const int Capacity = 252;

    /// <summary>Offset of the first extent.</summary>
    public const int ExtentsOffset = 48;

    /// <summary>The decoded header of a block.</summary>
    public readonly record struct Header(uint Magic, int Count, ulong Owner, ulong OwnerGeneration, long Next, long Index);

    /// <summary>Reads a block's header (untrusted; the caller verifies the checksum first).</summary>
    public static Header ReadHeader(ReadOnlySpan<byte> block) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(block),
        BinaryPrimitives.ReadInt32LittleEndian(block[4..]),
        BinaryPrimitives.ReadUInt64LittleEndian(block[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(block[16..]),
        BinaryPrimitives.ReadInt64LittleEndian(block[24..]),
        BinaryPrimitives.ReadInt64LittleEndian(block[32..]));

    /// <summary>The extents of a block whose count has been validated.</summary>
    public static ReadOnlySpan<ExtentRecord> Extents(ReadOnlySpan<byte> block, int count) =>
        MemoryMarshal.Cast<byte, ExtentRecord>(block.Slice(ExtentsOffset, count * ExtentRecord.TotalSize));

    /// <summary>Writes a whole block, sealed.</summary>
    public static void Write(Span<byte> block, ulong owner, ulong ownerGeneration, long next, long index, ReadOnlySpan<ExtentRecord> extents)
    {
        block[..TotalSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(block, MagicValue);
        BinaryPrimitives.WriteInt32LittleEndian(block[4..], extents.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(block[8..], owner);
        BinaryPrimitives.WriteUInt64LittleEndian(block[16..], ownerGeneration);
        BinaryPrimitives.WriteInt64LittleEndian(block[24..], next);
        BinaryPrimitives.WriteInt64LittleEndian(block[32..], index);
        MemoryMarshal.AsBytes(extents).CopyTo(block[ExtentsOffset..]);
        Checksum.Seal(block[..TotalSize], Checksum.ExtentBlockSeed);
    }
}
