namespace LiveUpdate.Service.Lifecycle;

/// <summary>What a garbage collection of the quarantine removed (or, in a dry run, would remove) and kept.</summary>
internal sealed class GarbageCollection
{
    /// <summary>The files removed.</summary>
    public List<string> Removed { get; } = [];

    /// <summary>The bytes they held.</summary>
    public ulong BytesFreed { get; set; }

    /// <summary>Quarantined files kept (too recent).</summary>
    public uint Kept { get; set; }
}
