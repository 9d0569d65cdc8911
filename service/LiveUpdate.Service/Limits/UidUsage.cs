namespace LiveUpdate.Service.Limits;

/// <summary>What one uid owns in the region: allocated bytes and inodes (files and directories).</summary>
internal readonly record struct UidUsage(long Bytes, long Inodes)
{
    /// <summary>This usage with <paramref name="bytes"/> and <paramref name="inodes"/> added (either may be negative).</summary>
    public UidUsage Plus(long bytes, long inodes) => new(Bytes + bytes, Inodes + inodes);
}
