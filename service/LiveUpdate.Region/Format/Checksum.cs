using System.IO.Hashing;

namespace LiveUpdate.Region.Format;

/// <summary>
/// The checksum of every on-region record: XXH3-64 of the record's bytes before its last 8, seeded per
/// structure so that a record copied to the wrong kind of place does not verify.
/// </summary>
internal static class Checksum
{
    /// <summary>Seeds that tell the structures apart.</summary>
    public const ulong SuperblockSeed = 0x4C55_5342, InodeSeed = 0x4C55_494E, ExtentBlockSeed = 0x4C55_4542,
        ChunkTableSeed = 0x4C55_4354, JournalSeed = 0x4C55_4A54, DmaDomainSeed = 0x4C55_444D, DmaMappingSeed = 0x4C55_4D50;

    /// <summary>Checksum of <paramref name="record"/> without its trailing 8-byte checksum field.</summary>
    public static ulong Of(ReadOnlySpan<byte> record, ulong seed) =>
        XxHash3.HashToUInt64(record[..^sizeof(ulong)], unchecked((long)seed));

    /// <summary>Writes the trailing checksum field of <paramref name="record"/>.</summary>
    public static void Seal(Span<byte> record, ulong seed) =>
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(record[^sizeof(ulong)..], Of(record, seed));

    /// <summary>True when the trailing checksum matches.</summary>
    public static bool Verify(ReadOnlySpan<byte> record, ulong seed) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(record[^sizeof(ulong)..]) == Of(record, seed);
}
