using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

/// <summary>The docs/design.md §7 state machine, boot records and the frozen state's refusals.</summary>
public sealed class LifecycleTests
{
    private static readonly (LifecycleState From, LifecycleState To)[] s_legal =
    [
        (LifecycleState.Active, LifecycleState.Freezing),      // Freeze
        (LifecycleState.Freezing, LifecycleState.Frozen),      // all VMMs acked (or force)
        (LifecycleState.Freezing, LifecycleState.Active),      // timeout / Thaw
        (LifecycleState.Frozen, LifecycleState.Active),        // Thaw (update abandoned)
        (LifecycleState.Frozen, LifecycleState.Reconciling),   // kexec, daemon starts
        (LifecycleState.Active, LifecycleState.Reconciling),   // unplanned reboot
        (LifecycleState.Freezing, LifecycleState.Reconciling), // rebooted before the freeze sealed
        (LifecycleState.Reconciling, LifecycleState.Active),   // reconcile done
    ];

    public static TheoryData<LifecycleState, LifecycleState> AllPairs
    {
        get
        {
            var data = new TheoryData<LifecycleState, LifecycleState>();
            foreach (var from in Enum.GetValues<LifecycleState>())
            {
                foreach (var to in Enum.GetValues<LifecycleState>())
                {
                    data.Add(from, to);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void IsLegal_MatchesTheDesignDiagram(LifecycleState from, LifecycleState to)
    {
        Assert.Equal(s_legal.Contains((from, to)), PersistentRegion.IsLegal(from, to));
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void TransitionTo_LegalMovesAndBumpsGeneration_IllegalIsFailedPreconditionAndChangesNothing(LifecycleState from, LifecycleState to)
    {
        using var temp = new TempRegion();
        using var region = temp.Format();
        Reach(region, from);
        Assert.Equal(from, region.Info.State);

        if (s_legal.Contains((from, to)))
        {
            var generation = region.Info.Generation;
            var info = region.TransitionTo(to);
            Assert.Equal(to, info.State);
            Assert.Equal(generation + 1, info.Generation);
            Assert.Equal(info, region.Info);
        }
        else
        {
            var ex = AssertFailsWithoutChange(region, RegionError.FailedPrecondition, () => region.TransitionTo(to));
            Assert.Contains(from.ToString(), ex.Message, StringComparison.Ordinal);
            Assert.Equal(from, region.Info.State);
        }
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(5u)]
    [InlineData(99u)]
    public void TransitionTo_UndefinedState_IsFailedPreconditionAndChangesNothing(uint state)
    {
        using var temp = new TempRegion();
        using var region = temp.Format();
        AssertFailsWithoutChange(region, RegionError.FailedPrecondition, () => region.TransitionTo((LifecycleState)state));
    }

    [Fact]
    public void TransitionTo_IsPersistedAndReportedAtAttach()
    {
        using var temp = new TempRegion();
        long generation;
        using (var region = temp.Format())
        {
            region.TransitionTo(LifecycleState.Freezing);
            generation = region.TransitionTo(LifecycleState.Frozen).Generation;
        }

        using var again = temp.Attach();
        Assert.Equal(LifecycleState.Frozen, again.AttachReport.StateAtAttach);
        Assert.Equal(LifecycleState.Frozen, again.Info.State);
        Assert.Equal(generation, again.Info.Generation);
    }

    [Fact]
    public void PlannedUpdate_FullCycle_FollowsTheDesign()
    {
        using var temp = new TempRegion();
        var oldBoot = Guid.NewGuid();
        var newBoot = Guid.NewGuid();
        using (var region = temp.Format())
        {
            region.RecordBoot(oldBoot, LifecycleState.Active);
            region.CreateFile("/vm.mem", 4 * MiB, FileKind.GuestMemory);
            region.TransitionTo(LifecycleState.Freezing);
            region.TransitionTo(LifecycleState.Frozen);
        }

        // "kexec": the daemon starts on a new boot, finds FROZEN + a new boot id, and reconciles.
        using var after = temp.Attach();
        Assert.Equal(LifecycleState.Frozen, after.AttachReport.StateAtAttach);
        Assert.Equal(oldBoot, after.AttachReport.BootIdAtAttach);
        var info = after.RecordBoot(newBoot, LifecycleState.Reconciling);
        Assert.Equal(LifecycleState.Reconciling, info.State);
        Assert.Equal(newBoot, info.BootId);
        Assert.Equal(oldBoot, info.PreviousBootId);
        after.TransitionTo(LifecycleState.Active);
        after.Resize("/vm.mem", 6 * MiB);
        AssertHealthy(after);
    }

    [Fact]
    public void RecordBoot_KeepsThePreviousBootId_AndBumpsGeneration()
    {
        using var temp = new TempRegion();
        using var region = temp.Format();
        var start = region.Info;
        Assert.Equal(Guid.Empty, start.BootId);
        Assert.Equal(Guid.Empty, start.PreviousBootId);
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();

        var info = region.RecordBoot(first);
        Assert.Equal(first, info.BootId);
        Assert.Equal(Guid.Empty, info.PreviousBootId);
        Assert.Equal(start.Generation + 1, info.Generation);
        Assert.Equal(LifecycleState.Active, info.State);

        info = region.RecordBoot(second);
        Assert.Equal(second, info.BootId);
        Assert.Equal(first, info.PreviousBootId);
        Assert.Equal(start.Generation + 2, info.Generation);

        // The same boot again (a daemon restart) keeps both ids and still bumps the generation.
        info = region.RecordBoot(second);
        Assert.Equal(second, info.BootId);
        Assert.Equal(first, info.PreviousBootId);
        Assert.Equal(start.Generation + 3, info.Generation);
    }

    [Fact]
    public void RecordBoot_IsPersisted()
    {
        using var temp = new TempRegion();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        RegionInfo expected;
        using (var region = temp.Format())
        {
            region.RecordBoot(first);
            expected = region.RecordBoot(second, LifecycleState.Reconciling);
        }

        using var again = temp.Attach();
        Assert.Equal(second, again.Info.BootId);
        Assert.Equal(first, again.Info.PreviousBootId);
        Assert.Equal(expected.Generation, again.Info.Generation);
        Assert.Equal(LifecycleState.Reconciling, again.Info.State);
        Assert.Equal(second, again.AttachReport.BootIdAtAttach);
    }

    [Fact]
    public void ReconcileCause_AndStateChangedAt_ArePersisted_AndUntouchedByATransitionWithoutACause()
    {
        using var temp = new TempRegion();
        using (var region = temp.Format())
        {
            Assert.Null(region.Info.StateChangedAt);
            Assert.Equal(ReconcileCause.Unknown, region.Info.ReconcileCause);
            region.RecordBoot(Guid.NewGuid());
            region.TransitionTo(LifecycleState.Freezing);
            region.TransitionTo(LifecycleState.Frozen);
            var info = region.RecordBoot(Guid.NewGuid(), LifecycleState.Reconciling, ReconcileCause.PlannedUpdate);
            Assert.Equal(ReconcileCause.PlannedUpdate, info.ReconcileCause);
            Assert.NotNull(info.StateChangedAt);
        }

        using var again = temp.Attach();
        Assert.Equal(LifecycleState.Reconciling, again.Info.State);
        Assert.Equal(ReconcileCause.PlannedUpdate, again.Info.ReconcileCause);
        var done = again.TransitionTo(LifecycleState.Active);
        Assert.Equal(ReconcileCause.PlannedUpdate, done.ReconcileCause); // the last reconcile's cause stays on record
        Assert.NotNull(done.StateChangedAt);
    }

    [Fact]
    public void RecordBoot_WithTheCurrentState_IsAllowed()
    {
        using var temp = new TempRegion();
        using var region = temp.Format();
        var boot = Guid.NewGuid();
        var info = region.RecordBoot(boot, LifecycleState.Active); // Active -> Active is no transition
        Assert.Equal(LifecycleState.Active, info.State);
        Assert.Equal(boot, info.BootId);
    }

    [Fact]
    public void RecordBoot_WithAnIllegalState_IsFailedPreconditionAndRecordsNothing()
    {
        using var temp = new TempRegion();
        using var region = temp.Format();
        var first = Guid.NewGuid();
        region.RecordBoot(first);

        AssertFailsWithoutChange(region, RegionError.FailedPrecondition, () => region.RecordBoot(Guid.NewGuid(), LifecycleState.Frozen));
        Assert.Equal(first, region.Info.BootId);
    }

    [Fact]
    public void Frozen_RefusesEveryMutation_ButReadsWork()
    {
        using var temp = new TempRegion();
        using var region = temp.Format();
        region.MakeDirectory("/dir");
        region.CreateFile("/dir/file", 5000, FileKind.Blob);
        region.CreateFile("/mem", 2 * MiB, FileKind.GuestMemory);
        region.TransitionTo(LifecycleState.Freezing);
        region.TransitionTo(LifecycleState.Frozen);

        AssertFrozen(region);
        AssertHealthy(region);

        region.TransitionTo(LifecycleState.Active);
        region.CreateFile("/dir/new", 1, FileKind.Blob);
        region.Resize("/mem", 4 * MiB);
        region.Rename("/dir/file", "/file");
        region.Remove("/file");
        AssertHealthy(region);
    }

    [Fact]
    public void Frozen_AfterReattach_StillRefusesMutations()
    {
        using var temp = new TempRegion();
        using (var region = temp.Format())
        {
            region.MakeDirectory("/dir");
            region.CreateFile("/dir/file", 5000, FileKind.Blob);
            region.CreateFile("/mem", 2 * MiB, FileKind.GuestMemory);
            region.TransitionTo(LifecycleState.Freezing);
            region.TransitionTo(LifecycleState.Frozen);
        }

        using var again = temp.Attach();
        AssertFrozen(again);
    }

    private static void AssertFrozen(PersistentRegion region)
    {
        foreach (var mutation in new Action[]
        {
            () => region.CreateFile("/dir/new", 4096, FileKind.Blob),
            () => region.CreateFile("/new.mem", 2 * MiB, FileKind.GuestMemory),
            () => region.CreateFile("/state", 100, FileKind.DeviceState),
            () => region.MakeDirectory("/newdir"),
            () => region.Resize("/dir/file", 1),
            () => region.Resize("/mem", 4 * MiB),
            () => region.Rename("/dir/file", "/file"),
            () => region.Remove("/dir/file"),
            () => region.Remove("/mem"),
            () => region.Check(repair: true),
        })
        {
            var ex = AssertFailsWithoutChange(region, RegionError.FailedPrecondition, mutation);
            Assert.Contains("frozen", ex.Message, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(5000, region.Stat("/dir/file").Size);
        Assert.Equal(["/dir/file", "/mem"], region.ListAllFiles().Select(f => f.Path));
        Assert.Equal(["/dir/file"], region.List("/dir").Select(f => f.Path));
        Assert.True(region.Exists("/mem"));
        Assert.Equal(2, region.GetStatistics().Files);
        Assert.Equal(LifecycleState.Frozen, region.Info.State);
        Assert.True(region.Check().Clean);
    }

    /// <summary>Walks legal transitions from ACTIVE to <paramref name="state"/>.</summary>
    private static void Reach(PersistentRegion region, LifecycleState state)
    {
        switch (state)
        {
            case LifecycleState.Active:
                break;
            case LifecycleState.Freezing:
                region.TransitionTo(LifecycleState.Freezing);
                break;
            case LifecycleState.Frozen:
                region.TransitionTo(LifecycleState.Freezing);
                region.TransitionTo(LifecycleState.Frozen);
                break;
            case LifecycleState.Reconciling:
                region.TransitionTo(LifecycleState.Reconciling);
                break;
        }
    }
}
