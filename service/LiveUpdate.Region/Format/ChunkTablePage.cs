using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace LiveUpdate.Region.Format;

/// <summary>
/// One page of the inode chunk table in the header area: the region offsets of up to 509 inode chunks
/// (0 = no chunk). Format writes every page sealed, so an all-zero page is corruption, not emptiness.
/// <code> 0 magic "LUCT" | 4 page index | 8 reserved | 16 chunk offsets (509 × 8) | 4088 checksum </code>
/// </summary>
internal static class ChunkTablePage
{
    /// <summary>Bytes in a page.</summary>
    public const int TotalSize = 4096;

    /// <summary>"LUCT" little-endian.</summary>
    public const uint MagicValue = 0x5443554C;

    /// <summary>Chunk offsets per page.</summary>
    public const int EntriesPerPage = 509;

    /// <summary>Offset of the first entry.</summary>
    public const int EntriesOffset = 16;

    /// <summary>The page's magic.</summary>
    public static uint Magic(ReadOnlySpan<byte> page) => BinaryPrimitives.ReadUInt32LittleEndian(page);

    /// <summary>The page's index as written.</summary>
    public static uint Index(ReadOnlySpan<byte> page) => BinaryPrimitives.ReadUInt32LittleEndian(page[4..]);

    /// <summary>The page's entries.</summary>
    public static ReadOnlySpan<long> Entries(ReadOnlySpan<byte> page) =>
        MemoryMarshal.Cast<byte, long>(page.Slice(EntriesOffset, EntriesPerPage * sizeof(long)));

    /// <summary>Writes a whole page, sealed.</summary>
    public static void Write(Span<byte> page, uint index, ReadOnlySpan<long> entries)
    {
        page[..TotalSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(page, MagicValue);
        BinaryPrimitives.WriteUInt32LittleEndian(page[4..], index);
        MemoryMarshal.AsBytes(entries).CopyTo(page[EntriesOffset..]);
        Checksum.Seal(page[..TotalSize], Checksum.ChunkTableSeed);
    }
}
