using System.Buffers.Binary;

namespace LiveUpdate.Region.Format;

/// <summary>
/// One committed transaction in the journal ring: a header, the new images of the metadata ranges it
/// changes, and a trailing checksum over all of it (the commit record). A transaction whose checksum does
/// not verify was torn by a crash and is discarded; one that verifies is replayed.
/// <code>
/// header (32): 0 magic "LUJT" | 4 entry count | 8 sequence | 16 nonce (from the region UUID) | 24 total length | 28 reserved
/// entry  (16 + data padded to 8): 0 target region offset | 8 length | 12 reserved | 16 data
/// trailer (8): checksum of everything before it
/// </code>
/// </summary>
internal static class JournalRecord
{
    /// <summary>"LUJT" little-endian.</summary>
    public const uint MagicValue = 0x544A554C;

    /// <summary>Header bytes.</summary>
    public const int HeaderSize = 32;

    /// <summary>Entry header bytes.</summary>
    public const int EntryHeaderSize = 16;

    /// <summary>Trailer bytes.</summary>
    public const int TrailerSize = 8;

    /// <summary>Bytes an entry of <paramref name="dataLength"/> takes.</summary>
    public static int EntrySize(int dataLength) => EntryHeaderSize + ((dataLength + 7) & ~7);

    /// <summary>The decoded header.</summary>
    public readonly record struct Header(uint Magic, int EntryCount, ulong Sequence, ulong Nonce, int TotalLength);

    /// <summary>Reads a header from untrusted bytes.</summary>
    public static Header ReadHeader(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(bytes),
        BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
        BinaryPrimitives.ReadInt32LittleEndian(bytes[24..]));

    /// <summary>Writes a header.</summary>
    public static void WriteHeader(Span<byte> bytes, int entryCount, ulong sequence, ulong nonce, int totalLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, MagicValue);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], entryCount);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[16..], nonce);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[24..], totalLength);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[28..], 0);
    }

    /// <summary>The nonce that ties journal records to one formatting of one region.</summary>
    public static ulong NonceOf(Guid regionUuid) => System.IO.Hashing.XxHash3.HashToUInt64(regionUuid.ToByteArray());
}
