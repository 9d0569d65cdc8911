namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>
/// One damage to apply to a pristine image, and what the engine may do about it: any of <paramref name="Allowed"/>,
/// and when it refuses, warns or reports, its text must name <paramref name="Structure"/> and contain <paramref name="OffsetText"/>.
/// A <paramref name="Forged"/> case stores checksum-valid records with random contents: the engine may accept
/// them (they are valid as far as it can tell), and whatever it says may name another structure; it must still
/// never crash, hang, or write to a region it refuses.
/// </summary>
public sealed record CorruptionCase(string Description, IReadOnlyList<RegionPatch> Patches, string Structure, string OffsetText, CorruptionOutcome Allowed, bool Forged = false);
