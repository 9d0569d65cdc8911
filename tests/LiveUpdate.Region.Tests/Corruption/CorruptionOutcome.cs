namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>What the engine did with one damaged image. Flags, so that a case can allow several.</summary>
[Flags]
public enum CorruptionOutcome
{
    None = 0,

    /// <summary>Attach threw <see cref="RegionError.Corrupt"/> naming the structure and its offset, and wrote nothing.</summary>
    Refused = 1,

    /// <summary>Attach threw <see cref="RegionError.UnsupportedFormat"/> (legitimate only where the magic is damaged).</summary>
    RefusedUnsupported = 2,

    /// <summary>Attach succeeded with a warning naming the damaged superblock copy; the other copy was used.</summary>
    Warned = 4,

    /// <summary>Attach succeeded and <see cref="PersistentRegion.Check"/> reported the damage.</summary>
    CheckReported = 8,

    /// <summary>A damaged journal tail was taken for a torn commit and dropped: the region is as it was before the unacknowledged transaction.</summary>
    JournalTailDropped = 16,

    /// <summary>Attach succeeded, no warning, Check clean: legitimate only for bytes no structure uses.</summary>
    Ignored = 32,

    /// <summary>Attach or Check threw something other than the two documented errors.</summary>
    Crashed = 64,
}
