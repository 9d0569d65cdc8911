namespace LiveUpdate.Region;

/// <summary>How the engine runs against a region.</summary>
public sealed record RegionOptions
{
    /// <summary>Crash-test hook called at every <see cref="FaultPoint"/>; null in production.</summary>
    public IFaultInjector? FaultInjector { get; init; }

    /// <summary>The clock for inode times and the superblock's attach time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Draws the instance id of each new inode (random; tests that need reproducible bytes substitute a sequence).</summary>
    public Func<Guid> NewInstanceId { get; init; } = Guid.NewGuid;
}
