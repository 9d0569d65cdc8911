namespace LiveUpdate.Region.Allocation;

/// <summary>Which pool a used range belongs to.</summary>
internal enum Pool : byte
{
    /// <summary>Whole 2 MiB granules (guest memory, the header area).</summary>
    Large,
    /// <summary>4 KiB granules inside 2 MiB chunks lent to the small pool (small files, metadata blocks).</summary>
    Small,
}

/// <summary>A range some structure owns, as found in metadata at attach; <see cref="Owner"/> names it in errors.</summary>
internal readonly record struct UsedRange(long Start, long Length, Pool Pool, string Owner)
{
    /// <summary>One past the last byte.</summary>
    public long End => Start + Length;
}
