using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace LiveUpdate.Service.Tests.Isolation;

/// <summary>
/// Makes a region look as if an older daemon had stored a name the current rules refuse (control characters): the name
/// of one inode record is rewritten in place, same byte length, and the record resealed. The inode record layout is the
/// engine's (docs/design.md §4): 512 bytes, magic "LUIN" at 0, name length at 6, name at 192, XXH3-64 of the first 504
/// bytes (seeded "LUIN") at 504. Run it on a region no daemon holds.
/// </summary>
internal static class StoredNamePatch
{
    private const int RecordSize = 512;
    private const uint InodeMagic = 0x4E49554C;
    private const long InodeSeed = 0x4C55_494E;
    private const int NameLengthOffset = 6;
    private const int NameOffset = 192;
    private const int ChecksumOffset = RecordSize - sizeof(ulong);

    /// <summary>Renames the inode named <paramref name="storedName"/> to <paramref name="oddName"/> (as many UTF-8 bytes); returns the records changed.</summary>
    public static int Rewrite(string regionPath, string storedName, string oddName)
    {
        var from = Encoding.UTF8.GetBytes(storedName);
        var to = Encoding.UTF8.GetBytes(oddName);
        Assert.Equal(from.Length, to.Length);
        using var region = new FileStream(regionPath, FileMode.Open, FileAccess.ReadWrite);
        var record = new byte[RecordSize];
        var changed = 0;
        for (long offset = 0; offset + RecordSize <= region.Length; offset += RecordSize)
        {
            region.Position = offset;
            region.ReadExactly(record);
            if (BinaryPrimitives.ReadUInt32LittleEndian(record) != InodeMagic
                || BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(NameLengthOffset)) != from.Length
                || !record.AsSpan(NameOffset, from.Length).SequenceEqual(from)
                || BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(ChecksumOffset)) != XxHash3.HashToUInt64(record.AsSpan(0, ChecksumOffset), InodeSeed))
            {
                continue;
            }

            to.CopyTo(record.AsSpan(NameOffset));
            BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(ChecksumOffset), XxHash3.HashToUInt64(record.AsSpan(0, ChecksumOffset), InodeSeed));
            region.Position = offset;
            region.Write(record);
            changed++;
        }

        return changed;
    }
}
