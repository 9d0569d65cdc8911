using LiveUpdate.Region.Format;

namespace LiveUpdate.Region;

public sealed partial class PersistentRegion
{
    /// <summary>
    /// Moves the lifecycle state machine (docs/design.md §7), records when and (optionally) the reconcile cause, and bumps the
    /// generation, in one atomic superblock update.
    /// Illegal transitions throw <see cref="RegionError.FailedPrecondition"/>.
    /// </summary>
    public RegionInfo TransitionTo(LifecycleState next, ReconcileCause? cause = null)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var current = (LifecycleState)_superblocks.Current.LifecycleState;
            if (!IsLegal(current, next))
            {
                throw new RegionException(RegionError.FailedPrecondition, $"the region cannot go from {current} to {next}");
            }

            var now = NowUnixMs();
            _superblocks.Update((ref SuperblockRecord sb) =>
            {
                sb.LifecycleState = (uint)next;
                sb.StateChangedAtUnixMs = now;
                if (cause is { } c)
                {
                    sb.ReconcileCause = (uint)c;
                }

                sb.Generation++;
            });
        }

        return Info;
    }

    /// <summary>
    /// Records the boot id of the running kernel (the previous one is kept) and, optionally, the state the
    /// caller chose for this boot with its reconcile cause — all in one atomic superblock update, so a crash cannot
    /// separate them.
    /// </summary>
    public RegionInfo RecordBoot(Guid bootId, LifecycleState? state = null, ReconcileCause? cause = null)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var current = (LifecycleState)_superblocks.Current.LifecycleState;
            if (state is { } next && next != current && !IsLegal(current, next))
            {
                throw new RegionException(RegionError.FailedPrecondition, $"the region cannot go from {current} to {next}");
            }

            var now = NowUnixMs();
            _superblocks.Update((ref SuperblockRecord sb) =>
            {
                if (sb.BootId.ToGuid() != bootId)
                {
                    sb.PreviousBootId = sb.BootId;
                    sb.BootId = Uuid.From(bootId);
                }

                if (state is { } s && s != (LifecycleState)sb.LifecycleState)
                {
                    sb.LifecycleState = (uint)s;
                    sb.StateChangedAtUnixMs = now;
                }

                if (cause is { } c)
                {
                    sb.ReconcileCause = (uint)c;
                }

                sb.Generation++;
            });
        }

        return Info;
    }

    /// <summary>The transitions of docs/design.md §7.</summary>
    public static bool IsLegal(LifecycleState from, LifecycleState to) => (from, to) switch
    {
        (LifecycleState.Active, LifecycleState.Freezing) => true,
        (LifecycleState.Freezing, LifecycleState.Frozen) => true,
        (LifecycleState.Freezing, LifecycleState.Active) => true,
        (LifecycleState.Frozen, LifecycleState.Active) => true,
        (LifecycleState.Frozen, LifecycleState.Reconciling) => true,
        (LifecycleState.Active, LifecycleState.Reconciling) => true,
        (LifecycleState.Freezing, LifecycleState.Reconciling) => true, // rebooted before the freeze sealed
        (LifecycleState.Reconciling, LifecycleState.Active) => true,
        _ => false,
    };
}
