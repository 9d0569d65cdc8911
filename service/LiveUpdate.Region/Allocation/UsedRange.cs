namespace LiveUpdate.Region.Allocation;

/// <summary>Which pool a used range belongs to.</summary>
internal enum Pool : byte
{
    /// <summary>Whole 2 MiB granules (guest memory, the header area).</summary>
    Large,
    /// <summary>4 KiB granules inside 2 MiB chunks lent to the small pool (small files, metadata blocks).</summary>
    Small,
}

/// <summary>What owns a used range.</summary>
internal enum OwnerKind : byte
{
    /// <summary>The header area.</summary>
    Header,
    /// <summary>An inode chunk; the id is its index.</summary>
    InodeChunk,
    /// <summary>A file's extent or extent block; the id is the inode number.</summary>
    Inode,
}

/// <summary>A range some structure owns, as found in metadata at attach. The owner is formatted only for errors.</summary>
internal readonly record struct UsedRange(long Start, long Length, Pool Pool, OwnerKind OwnerKind, ulong OwnerId)
{
    /// <summary>One past the last byte.</summary>
    public long End => Start + Length;

    /// <summary>The owner, for messages.</summary>
    public string Owner => OwnerKind switch
    {
        OwnerKind.Header => "header area",
        OwnerKind.InodeChunk => $"inode chunk {OwnerId}",
        _ => $"inode {OwnerId}",
    };
}
