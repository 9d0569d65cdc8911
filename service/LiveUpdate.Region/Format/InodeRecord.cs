using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LiveUpdate.Region.Format;

/// <summary>
/// One inode slot of an inode chunk. A slot is all zeros (never used), or a checksummed record whose
/// <see cref="Kind"/> is 0 (free, keeping its generation for the next owner) or a <see cref="FileKind"/>.
/// Directories are not separate structures: each inode names its parent and its own name, so creating,
/// renaming or removing a file rewrites exactly one record. From format 3 every live inode has a random
/// instance id, set when it is created and never changed (format 2 kept zeros there; the upgrade fills them).
/// <code>
///   0 magic "LUIN" | 4 kind | 5 flags | 6 name length | 8 inode number | 16 generation | 24 parent
///  32 size | 40 allocated bytes | 48 owner uid | 52 mode | 56 VM UUID (16) | 72 created (unix ms)
///  80 modified (unix ms) | 88 extent count | 92 reserved | 96 first overflow extent block | 104 reserved
/// 112 inline extents (5 × 16) | 192 name (256, UTF-8, zero padded) | 448 instance id (16, format 3) | 464 reserved
/// 504 checksum
/// </code>
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = TotalSize)]
internal struct InodeRecord
{
    /// <summary>Bytes in the record.</summary>
    public const int TotalSize = 512;

    /// <summary>"LUIN" little-endian.</summary>
    public const uint MagicValue = 0x4E49554C;

    /// <summary>Extents kept in the inode itself; more go to a chain of extent blocks.</summary>
    public const int InlineExtentCapacity = 5;

    /// <summary>
    /// Flag: the file's one extent is its own devdax namespace (namespaces backend), at the namespace's physical start
    /// minus the metadata device's; it is outside the device and never part of its free space. Older inodes keep 0 here.
    /// </summary>
    public const byte FlagNamespaceBacked = 1;

    [FieldOffset(0)] public uint Magic;
    [FieldOffset(4)] public byte Kind;
    [FieldOffset(5)] public byte Flags;
    [FieldOffset(6)] public ushort NameLength;
    [FieldOffset(8)] public ulong Number;
    [FieldOffset(16)] public ulong Generation;
    [FieldOffset(24)] public ulong Parent;
    [FieldOffset(32)] public long Size;
    [FieldOffset(40)] public long AllocatedBytes;
    [FieldOffset(48)] public uint OwnerUid;
    [FieldOffset(52)] public uint Mode;
    [FieldOffset(56)] public Uuid VmUuid;
    [FieldOffset(72)] public long CreatedUnixMs;
    [FieldOffset(80)] public long ModifiedUnixMs;
    [FieldOffset(88)] public uint ExtentCount;
    [FieldOffset(96)] public long OverflowBlock;
    [FieldOffset(112)] public InlineExtents Extents;
    [FieldOffset(192)] public NameBytes Name;
    [FieldOffset(448)] public Uuid InstanceId;
    [FieldOffset(504)] public ulong Checksum;

    /// <summary>Reads a record from untrusted bytes (bounds-checked, no validation).</summary>
    public static InodeRecord Read(ReadOnlySpan<byte> bytes) => MemoryMarshal.Read<InodeRecord>(bytes[..TotalSize]);

    /// <summary>Writes the record and its checksum.</summary>
    public readonly void WriteSealed(Span<byte> bytes)
    {
        var copy = this;
        MemoryMarshal.Write(bytes[..TotalSize], in copy);
        Format.Checksum.Seal(bytes[..TotalSize], Format.Checksum.InodeSeed);
    }

    /// <summary>Inline extent storage.</summary>
    [InlineArray(InlineExtentCapacity)]
    public struct InlineExtents
    {
        private ExtentRecord _first;
    }

    /// <summary>Inline name storage.</summary>
    [InlineArray(256)]
    public struct NameBytes
    {
        private byte _first;
    }
}
