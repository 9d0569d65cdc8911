namespace LiveUpdate.Region.Format;

/// <summary>
/// Where things live in a region (formats 1 to 3 share this layout). The first 2 MiB granule is the header area:
/// <code>
///  0x00000  superblock copy A (4 KiB slot, 512-byte record)
///  0x01000  superblock copy B
///  0x02000  inode chunk table: 32 pages of 4 KiB, 509 chunk offsets each
///  0x22000  (unused)
///  0x40000  metadata journal, a ring up to the end of the header area (1.75 MiB)
///  0x200000 first allocatable granule
/// </code>
/// Everything else (inode chunks, extent blocks, file data) is allocated from the region's extents.
/// </summary>
internal static class RegionLayout
{
    /// <summary>
    /// Format version this engine writes. Version 2 adds the IOMMU structures under <c>/.iommu</c>; a version-1
    /// engine would not honour their pins, so version 2 also requires a version-2 reader. Version 3 adds each
    /// inode's instance id (<see cref="InodeRecord.InstanceId"/>) and requires a version-3 reader.
    /// </summary>
    public const uint CurrentFormatVersion = 3;

    /// <summary>Size of a superblock slot; the record itself is <see cref="SuperblockRecord.TotalSize"/> bytes.</summary>
    public const int SuperblockSlotSize = 4096;

    /// <summary>Offsets of the two alternating superblock copies.</summary>
    public static ReadOnlySpan<long> SuperblockOffsets => [0, SuperblockSlotSize];

    /// <summary>First page of the inode chunk table.</summary>
    public const long ChunkTableOffset = 0x2000;

    /// <summary>Pages in the inode chunk table.</summary>
    public const int ChunkTablePages = 32;

    /// <summary>Start of the journal ring.</summary>
    public const long JournalOffset = 0x40000;

    /// <summary>Size of the header area: one large granule.</summary>
    public const long HeaderSize = LargeGranule;

    /// <summary>Size of the journal ring.</summary>
    public const long JournalSize = HeaderSize - JournalOffset;

    /// <summary>Granule of small files and metadata blocks.</summary>
    public const int SmallGranule = 4096;

    /// <summary>Granule of guest memory: device DAX maps in 2 MiB pages.</summary>
    public const long LargeGranule = 2L << 20;

    /// <summary>Alignment guest memory is given when size and free space allow (a 1 GiB IOMMU / EPT page).</summary>
    public const long HugeAlignment = 1L << 30;

    /// <summary>Bytes of one inode chunk (512 inodes).</summary>
    public const int InodeChunkSize = 256 * 1024;

    /// <summary>Inodes per chunk.</summary>
    public const int InodesPerChunk = InodeChunkSize / InodeRecord.TotalSize;

    /// <summary>Most inode chunks the table can name.</summary>
    public const int MaxInodeChunks = ChunkTablePages * ChunkTablePage.EntriesPerPage;

    /// <summary>Most inodes a region can hold: 8,339,456 (32 chunk-table pages × 509 chunks × 512 inodes).</summary>
    public const long MaxInodes = (long)MaxInodeChunks * InodesPerChunk;

    /// <summary>Inode number of the root directory. Inode 0 is never used, so 0 can mean "none".</summary>
    public const ulong RootInode = 1;

    /// <summary>Smallest region: the header plus a few granules.</summary>
    public const long MinimumRegionSize = 4 * LargeGranule;

    /// <summary>Largest region the format addresses: 1 PiB (2^50 bytes), above the 64 TiB floor of docs/design.md §4; offsets are 64-bit throughout.</summary>
    public const long MaximumRegionSize = 1L << 50;

    /// <summary>Longest name in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Longest path in UTF-8 bytes.</summary>
    public const int MaxPathBytes = 4096;
}
