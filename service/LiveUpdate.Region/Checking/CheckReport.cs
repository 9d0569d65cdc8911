namespace LiveUpdate.Region.Checking;

/// <summary>The result of a consistency check of a region.</summary>
public sealed record CheckReport
{
    /// <summary>Every invariant found violated (and what repair did about it).</summary>
    public required IReadOnlyList<CheckProblem> Problems { get; init; }

    /// <summary>Notes that are not problems (for example journal transactions replayed or pending).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>Live inodes seen.</summary>
    public required long Inodes { get; init; }

    /// <summary>Bytes used (metadata and files) and free; they add up to the region's size when the region is consistent.</summary>
    public required long UsedBytes { get; init; }

    /// <summary>Free bytes.</summary>
    public required long FreeBytes { get; init; }

    /// <summary>Region size.</summary>
    public required long TotalBytes { get; init; }

    /// <summary>True when a repair was requested.</summary>
    public required bool RepairRequested { get; init; }

    /// <summary>True when nothing is wrong (after repair, if one ran).</summary>
    public bool Clean => Problems.All(p => p.Repaired);
}
