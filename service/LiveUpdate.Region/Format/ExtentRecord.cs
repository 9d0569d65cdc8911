using System.Runtime.InteropServices;

namespace LiveUpdate.Region.Format;

/// <summary>
/// One extent as stored: region offset and length. File offsets are implied (extents are kept in file order),
/// which keeps records at 16 bytes.
/// <code> 0 region offset | 8 length </code>
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = TotalSize)]
internal struct ExtentRecord
{
    /// <summary>Bytes in the record.</summary>
    public const int TotalSize = 16;

    [FieldOffset(0)] public long RegionOffset;
    [FieldOffset(8)] public long Length;

    /// <summary>Creates an extent.</summary>
    public ExtentRecord(long regionOffset, long length)
    {
        RegionOffset = regionOffset;
        Length = length;
    }

    /// <summary>One past the last byte.</summary>
    public readonly long End => RegionOffset + Length;
}
