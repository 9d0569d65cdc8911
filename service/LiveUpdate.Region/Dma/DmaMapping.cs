namespace LiveUpdate.Region.Dma;

/// <summary>One DMA mapping as the engine keeps it in memory: a record of its domain's replay record.</summary>
internal sealed class DmaMapping
{
    /// <summary>First mapped IOVA.</summary>
    public required ulong Iova { get; init; }

    /// <summary>Bytes mapped.</summary>
    public required long Length { get; init; }

    /// <summary>Inode of the guest-memory file the IOVAs translate into.</summary>
    public required ulong FileInode { get; init; }

    /// <summary>File offset <see cref="Iova"/> translates to.</summary>
    public required long FileOffset { get; init; }

    /// <summary>The device may read.</summary>
    public required bool Readable { get; init; }

    /// <summary>The device may write.</summary>
    public required bool Writable { get; init; }

    /// <summary>Position in the domain's dense record array (block = index / capacity).</summary>
    public int RecordIndex { get; set; }

    /// <summary>One past the last mapped IOVA.</summary>
    public ulong End => Iova + (ulong)Length;

    /// <summary>The stored form.</summary>
    public Format.DmaMappingBlock.Record ToRecord() => new(Iova, Length, FileInode, FileOffset,
        (Readable ? Format.DmaMappingBlock.FlagRead : 0) | (Writable ? Format.DmaMappingBlock.FlagWrite : 0));

    /// <summary>Rebuilds a mapping from its stored form.</summary>
    public static DmaMapping FromRecord(Format.DmaMappingBlock.Record record, int index) => new()
    {
        Iova = record.Iova,
        Length = record.Length,
        FileInode = record.FileInode,
        FileOffset = record.FileOffset,
        Readable = (record.Flags & Format.DmaMappingBlock.FlagRead) != 0,
        Writable = (record.Flags & Format.DmaMappingBlock.FlagWrite) != 0,
        RecordIndex = index,
    };
}
