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

    /// <summary>
    /// The namespaces backend's directory: set, guest-memory files are namespaces of their own and the device is the
    /// metadata namespace's (docs/design.md §3); null for the file and devdax backends.
    /// </summary>
    public Namespaces.INamespaceDirectory? Namespaces { get; init; }
}
