using LiveUpdate.Region.Format;

namespace LiveUpdate.Region;

public sealed partial class PersistentRegion
{
    /// <summary>
    /// Moves the lifecycle state machine (DESIGN §7) and bumps the generation, in one atomic superblock update.
    /// Illegal transitions throw <see cref="RegionError.FailedPrecondition"/>.
    /// </summary>
    public RegionInfo TransitionTo(LifecycleState next)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var current = (LifecycleState)_superblocks.Current.LifecycleState;
            if (!IsLegal(current, next))
            {
                throw new RegionException(RegionError.FailedPrecondition, $"the region cannot go from {current} to {next}");
            }

            _superblocks.Update((ref SuperblockRecord sb) =>
            {
                sb.LifecycleState = (uint)next;
                sb.Generation++;
            });
        }

        return Info;
    }

    /// <summary>
    /// Records the boot id of the running kernel (the previous one is kept) and, optionally, the state the
    /// caller chose for this boot — both in one atomic superblock update, so a crash cannot separate them.
    /// </summary>
    public RegionInfo RecordBoot(Guid bootId, LifecycleState? state = null)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            var current = (LifecycleState)_superblocks.Current.LifecycleState;
            if (state is { } next && next != current && !IsLegal(current, next))
            {
                throw new RegionException(RegionError.FailedPrecondition, $"the region cannot go from {current} to {next}");
            }

            _superblocks.Update((ref SuperblockRecord sb) =>
            {
                if (sb.BootId.ToGuid() != bootId)
                {
                    sb.PreviousBootId = sb.BootId;
                    sb.BootId = Uuid.From(bootId);
                }

                if (state is { } s)
                {
                    sb.LifecycleState = (uint)s;
                }

                sb.Generation++;
            });
        }

        return Info;
    }

    /// <summary>The transitions of DESIGN §7.</summary>
    public static bool IsLegal(LifecycleState from, LifecycleState to) => (from, to) switch
    {
        (LifecycleState.Active, LifecycleState.Freezing) => true,
        (LifecycleState.Freezing, LifecycleState.Frozen) => true,
        (LifecycleState.Freezing, LifecycleState.Active) => true,
        (LifecycleState.Frozen, LifecycleState.Active) => true,
        (LifecycleState.Frozen, LifecycleState.Reconciling) => true,
        (LifecycleState.Active, LifecycleState.Reconciling) => true,
        (LifecycleState.Reconciling, LifecycleState.Active) => true,
        _ => false,
    };
}
