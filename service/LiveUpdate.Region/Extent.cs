namespace LiveUpdate.Region;

/// <summary>A contiguous run of a file: <paramref name="FileOffset"/> in the file is at <paramref name="RegionOffset"/> in the region.</summary>
public readonly record struct Extent(long FileOffset, long RegionOffset, long Length);
