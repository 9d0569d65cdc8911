namespace LiveUpdate.Region;

/// <summary>How the engine runs against a region.</summary>
public sealed record RegionOptions
{
    /// <summary>Crash-test hook called at every <see cref="FaultPoint"/>; null in production.</summary>
    public IFaultInjector? FaultInjector { get; init; }

    /// <summary>The clock for inode times and the superblock's attach time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
