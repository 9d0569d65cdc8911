using LiveUpdate.Region;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>An event for a VMM's stream, stamped with the region's state and generation when it was made.</summary>
/// <param name="Kind">What it tells.</param>
/// <param name="State">The lifecycle state.</param>
/// <param name="Generation">The lifecycle generation.</param>
/// <param name="Message">What to do, for the VMM's log.</param>
/// <param name="Deadline">For <see cref="VmmEventKind.PrepareForUpdate"/>: when the freeze gives up waiting.</param>
/// <param name="Verdict">For <see cref="VmmEventKind.ReclaimReady"/>: the reconcile's verdict on the VM.</param>
internal sealed record VmmEvent(
    VmmEventKind Kind, LifecycleState State, long Generation, string Message, DateTimeOffset? Deadline = null, VerdictKind? Verdict = null)
{
    /// <summary>An event of <paramref name="kind"/> stamped with <paramref name="region"/>'s current state and generation.</summary>
    public static VmmEvent Of(VmmEventKind kind, PersistentRegion region, string message, DateTimeOffset? deadline = null, VerdictKind? verdict = null)
    {
        var info = region.Info;
        return new VmmEvent(kind, info.State, info.Generation, message, deadline, verdict);
    }
}
