using LiveUpdate.Region.Checking;

namespace LiveUpdate.Region;

/// <summary>What attach found: the state the region was left in and what recovery did.</summary>
public sealed record AttachReport
{
    /// <summary>Lifecycle state in the superblock at attach.</summary>
    public required LifecycleState StateAtAttach { get; init; }
    /// <summary>Boot id the superblock held at attach.</summary>
    public required Guid BootIdAtAttach { get; init; }
    /// <summary>Committed journal transactions replayed (the previous owner died before or while applying them).</summary>
    public required int JournalTransactionsReplayed { get; init; }
    /// <summary>Format version found before any in-place upgrade.</summary>
    public required uint FormatVersionFound { get; init; }
    /// <summary>Non-fatal problems (a damaged superblock copy; the other was used).</summary>
    public required IReadOnlyList<CheckProblem> Warnings { get; init; }
    /// <summary>
    /// The full check attach made of the region it loaded (every inode, extent and IOMMU table entry): the same
    /// report <see cref="PersistentRegion.Check"/> would give at that moment.
    /// </summary>
    public required CheckReport Check { get; init; }
    /// <summary>Time that check took, within <see cref="Duration"/>.</summary>
    public required TimeSpan CheckDuration { get; init; }
    /// <summary>
    /// Namespaces backend: the <c>lu-*</c> namespaces no file named (a crash between a namespace's creation or removal and
    /// its inode's commit), scrubbed and destroyed by attach; empty elsewhere.
    /// </summary>
    public IReadOnlyList<string> OrphanNamespacesRemoved { get; init; } = [];
    /// <summary>Time attach took.</summary>
    public required TimeSpan Duration { get; init; }
}
