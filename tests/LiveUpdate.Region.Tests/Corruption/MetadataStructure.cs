namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>
/// A metadata structure to damage: <see cref="Length"/> bytes at each of <see cref="Offsets"/> (two for "both superblock
/// copies", damaged identically), the words an engine message about it must contain, and the outcomes allowed.
/// </summary>
public sealed record MetadataStructure(string Name, long[] Offsets, int Length, string Structure, string OffsetText, CorruptionOutcome Allowed)
{
    public MetadataStructure(string name, long offset, int length, string structure, CorruptionOutcome allowed)
        : this(name, [offset], length, structure, $"0x{offset:x}", allowed)
    {
    }

    /// <summary>The same structure with different allowed outcomes (for example where the magic lies).</summary>
    public MetadataStructure Allowing(CorruptionOutcome allowed) => this with { Allowed = allowed };
}
