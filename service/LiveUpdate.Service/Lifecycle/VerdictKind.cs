namespace LiveUpdate.Service.Lifecycle;

/// <summary>What the reconcile decided for one VM's files (docs/design.md §7).</summary>
internal enum VerdictKind
{
    /// <summary>The VM is in the inventory (or there is no inventory) and its files are present: reclaim them.</summary>
    Resumable = 1,

    /// <summary>Files of a VM the inventory does not know: moved to quarantine.</summary>
    Orphaned = 2,

    /// <summary>A domain marked persistent whose guest memory the region does not hold.</summary>
    Missing = 3,
}
