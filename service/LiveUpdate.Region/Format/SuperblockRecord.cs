using System.Runtime.InteropServices;

namespace LiveUpdate.Region.Format;

/// <summary>
/// The superblock, written as two alternating copies (A at 0x0, B at 0x1000): an update writes the older copy
/// with a higher <see cref="Sequence"/>, so a torn write leaves the other copy intact.
/// <code>
///  0 magic "LUREGION" | 8 format version | 12 incompatible features | 16 region UUID (16)
/// 32 region size      | 40 small granule | 44 large granule | 48 inode size | 52 inode chunk size
/// 56 lifecycle state  | 60 flags         | 64 generation    | 72 boot id (16)
/// 88 physical base    | 96 sequence      | 104 journal offset | 112 journal size
/// 120 checkpoint offset | 128 checkpoint sequence | 136 chunk table offset | 144 chunk table pages
/// 148 min reader version | 152 header size | 160 formatted at | 168 attached at | 176 previous boot id (16)
/// 192 attach count | 200 reconcile cause | 204 reserved | 208 state changed at | 216..504 reserved (zero) | 504 checksum
/// </code>
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = TotalSize)]
internal struct SuperblockRecord
{
    /// <summary>Bytes in the record.</summary>
    public const int TotalSize = 512;

    /// <summary>"LUREGION" read as a little-endian 64-bit value.</summary>
    public const ulong MagicValue = 0x4E4F4947_4552554C;

    /// <summary>Flag: <see cref="PhysicalBase"/> is a configured stand-in (file backend).</summary>
    public const uint FlagPhysicalBaseSimulated = 1;

    /// <summary>Flag: the region was formatted on device DAX.</summary>
    public const uint FlagDevDax = 2;

    /// <summary>
    /// Incompatible feature: inodes may hold namespace-backed extents (<see cref="InodeRecord.FlagNamespaceBacked"/>),
    /// which lie outside the device. Set on the namespaces backend; an engine that does not know it refuses the region
    /// rather than reporting those extents as out of bounds.
    /// </summary>
    public const uint FeatureNamespaceExtents = 1;

    /// <summary>Every incompatible feature this engine understands.</summary>
    public const uint KnownIncompatibleFeatures = FeatureNamespaceExtents;

    [FieldOffset(0)] public ulong Magic;
    [FieldOffset(8)] public uint FormatVersion;
    [FieldOffset(12)] public uint IncompatibleFeatures;
    [FieldOffset(16)] public Uuid RegionUuid;
    [FieldOffset(32)] public long RegionSize;
    [FieldOffset(40)] public uint SmallGranule;
    [FieldOffset(44)] public uint LargeGranule;
    [FieldOffset(48)] public uint InodeSize;
    [FieldOffset(52)] public uint InodeChunkSize;
    [FieldOffset(56)] public uint LifecycleState;
    [FieldOffset(60)] public uint Flags;
    [FieldOffset(64)] public ulong Generation;
    [FieldOffset(72)] public Uuid BootId;
    [FieldOffset(88)] public ulong PhysicalBase;
    [FieldOffset(96)] public ulong Sequence;
    [FieldOffset(104)] public long JournalOffset;
    [FieldOffset(112)] public long JournalSize;
    [FieldOffset(120)] public long CheckpointOffset;
    [FieldOffset(128)] public ulong CheckpointSequence;
    [FieldOffset(136)] public long ChunkTableOffset;
    [FieldOffset(144)] public uint ChunkTablePages;
    [FieldOffset(148)] public uint MinReaderVersion;
    [FieldOffset(152)] public long HeaderSize;
    [FieldOffset(160)] public long FormattedAtUnixMs;
    [FieldOffset(168)] public long AttachedAtUnixMs;
    [FieldOffset(176)] public Uuid PreviousBootId;
    [FieldOffset(192)] public ulong AttachCount;

    /// <summary>Why the region is (or was last) reconciled (<see cref="Region.ReconcileCause"/>; 0 in regions that never recorded one).</summary>
    [FieldOffset(200)] public uint ReconcileCause;

    /// <summary>When <see cref="LifecycleState"/> last changed (Unix ms; 0 when never recorded).</summary>
    [FieldOffset(208)] public long StateChangedAtUnixMs;
    [FieldOffset(504)] public ulong Checksum;

    /// <summary>Reads a record from untrusted bytes (bounds-checked, no validation).</summary>
    public static SuperblockRecord Read(ReadOnlySpan<byte> bytes) => MemoryMarshal.Read<SuperblockRecord>(bytes[..TotalSize]);

    /// <summary>Writes the record and its checksum.</summary>
    public readonly void WriteSealed(Span<byte> bytes)
    {
        var copy = this;
        MemoryMarshal.Write(bytes[..TotalSize], in copy);
        Format.Checksum.Seal(bytes[..TotalSize], Format.Checksum.SuperblockSeed);
    }
}
