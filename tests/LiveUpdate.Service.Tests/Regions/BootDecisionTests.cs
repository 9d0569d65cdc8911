using LiveUpdate.Region.Devices;
using LiveUpdate.Region;
using LiveUpdate.Service.Regions;

namespace LiveUpdate.Service.Tests.Regions;

/// <summary>
/// <see cref="BootDecision.Decide"/> for every lifecycle state against the three kinds of boot id attach can find in the
/// superblock: none (never attached by a daemon), the running kernel's (a daemon restart), another (a kexec or reboot).
/// </summary>
public sealed class BootDecisionTests
{
    private static readonly Guid s_current = Guid.Parse("11111111-2222-4333-8444-555555555555");
    private static readonly Guid s_previous = Guid.Parse("99999999-8888-4777-8666-555555555555");
    private static readonly Guid s_beforeThat = Guid.Parse("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");

    public enum Boot
    {
        /// <summary>The superblock holds no boot id.</summary>
        Empty,

        /// <summary>The superblock holds the running kernel's boot id.</summary>
        Same,

        /// <summary>The superblock holds another boot's id.</summary>
        New,
    }

    public static TheoryData<LifecycleState, Boot> EveryCombination()
    {
        var data = new TheoryData<LifecycleState, Boot>();
        foreach (var state in Enum.GetValues<LifecycleState>())
        {
            foreach (var boot in Enum.GetValues<Boot>())
            {
                data.Add(state, boot);
            }
        }

        return data;
    }

    // ---- No boot id recorded: a freshly formatted region, nothing to reconcile whatever the state. ----

    [Theory]
    [InlineData(LifecycleState.Active)]
    [InlineData(LifecycleState.Freezing)]
    [InlineData(LifecycleState.Frozen)]
    [InlineData(LifecycleState.Reconciling)]
    public void EmptyBootId_KeepsTheState_WithCauseNone_NoKexec_NoWarning(LifecycleState state)
    {
        var decision = BootDecision.Decide(Region(state, Guid.Empty, Guid.Empty, ReconcileCause.Unknown), s_current);

        Assert.Equal(state, decision.State);
        Assert.Equal(ReconcileCause.None, decision.Cause);
        Assert.False(decision.KexecDetected);
        Assert.Empty(decision.Warnings);
        Assert.Equal(state == LifecycleState.Reconciling, decision.ReconcileNeeded);
    }

    // ---- Same boot: the daemon restarted, the host did not. ----

    [Theory]
    [InlineData(ReconcileCause.Unknown, ReconcileCause.None)]
    [InlineData(ReconcileCause.None, ReconcileCause.None)]
    [InlineData(ReconcileCause.PlannedUpdate, ReconcileCause.PlannedUpdate)]
    [InlineData(ReconcileCause.UnplannedReboot, ReconcileCause.UnplannedReboot)]
    [InlineData(ReconcileCause.Operator, ReconcileCause.Operator)]
    public void SameBoot_Active_StaysActive_KeepingTheLastCause_NoReconcile(ReconcileCause recorded, ReconcileCause expected)
    {
        var decision = BootDecision.Decide(Region(LifecycleState.Active, s_current, s_previous, recorded), s_current);

        Assert.Equal(LifecycleState.Active, decision.State);
        Assert.Equal(expected, decision.Cause);
        Assert.False(decision.KexecDetected);
        Assert.False(decision.ReconcileNeeded);
        Assert.Empty(decision.Warnings);
    }

    [Fact]
    public void SameBoot_Freezing_AbandonsTheFreeze_BackToActive_WithAWarning()
    {
        var decision = BootDecision.Decide(Region(LifecycleState.Freezing, s_current, s_previous, ReconcileCause.PlannedUpdate), s_current);

        Assert.Equal(LifecycleState.Active, decision.State);
        Assert.Equal(ReconcileCause.None, decision.Cause);
        Assert.False(decision.KexecDetected);
        Assert.False(decision.ReconcileNeeded);
        var warning = Assert.Single(decision.Warnings);
        Assert.Contains("restarted during a freeze", warning, StringComparison.Ordinal);
        Assert.Contains("ACTIVE", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ReconcileCause.None, ReconcileCause.None)]
    [InlineData(ReconcileCause.Unknown, ReconcileCause.None)]
    [InlineData(ReconcileCause.PlannedUpdate, ReconcileCause.PlannedUpdate)]
    public void SameBoot_Frozen_StaysSealed_NoReconcile_NoWarning(ReconcileCause recorded, ReconcileCause expected)
    {
        var decision = BootDecision.Decide(Region(LifecycleState.Frozen, s_current, s_previous, recorded), s_current);

        Assert.Equal(LifecycleState.Frozen, decision.State);
        Assert.Equal(expected, decision.Cause);
        Assert.False(decision.KexecDetected);
        Assert.False(decision.ReconcileNeeded);
        Assert.Empty(decision.Warnings);
    }

    [Theory]
    [InlineData(ReconcileCause.PlannedUpdate)]
    [InlineData(ReconcileCause.UnplannedReboot)]
    public void SameBoot_Reconciling_ReconcilesAgain_WithTheCauseRecordedWhenItBegan(ReconcileCause recorded)
    {
        var decision = BootDecision.Decide(Region(LifecycleState.Reconciling, s_current, s_previous, recorded), s_current);

        Assert.Equal(LifecycleState.Reconciling, decision.State);
        Assert.Equal(recorded, decision.Cause);
        Assert.True(decision.ReconcileNeeded);
        // The boot before this one is known: this boot did begin with a kexec or reboot.
        Assert.True(decision.KexecDetected);
        var warning = Assert.Single(decision.Warnings);
        Assert.Contains("restarted during a reconcile", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void SameBoot_Reconciling_WithNoPreviousBoot_IsNoKexec()
    {
        var decision = BootDecision.Decide(Region(LifecycleState.Reconciling, s_current, Guid.Empty, ReconcileCause.Operator), s_current);

        Assert.Equal(LifecycleState.Reconciling, decision.State);
        Assert.Equal(ReconcileCause.Operator, decision.Cause);
        Assert.False(decision.KexecDetected);
        Assert.True(decision.ReconcileNeeded);
    }

    // ---- New boot: the host was kexec'd or rebooted. ----

    [Theory]
    [InlineData(ReconcileCause.None)]
    [InlineData(ReconcileCause.Unknown)]
    [InlineData(ReconcileCause.UnplannedReboot)]
    public void NewBoot_Frozen_IsAPlannedUpdate_Reconciles_WithoutWarning(ReconcileCause recorded)
    {
        var decision = BootDecision.Decide(Region(LifecycleState.Frozen, s_previous, s_beforeThat, recorded), s_current);

        Assert.Equal(LifecycleState.Reconciling, decision.State);
        Assert.Equal(ReconcileCause.PlannedUpdate, decision.Cause);
        Assert.True(decision.KexecDetected);
        Assert.True(decision.ReconcileNeeded);
        Assert.Empty(decision.Warnings);
    }

    [Theory]
    [InlineData(ReconcileCause.None)]
    [InlineData(ReconcileCause.PlannedUpdate)]
    public void NewBoot_Active_IsAnUnplannedReboot_Reconciles_WarningThatDeviceStateMayBeStale(ReconcileCause recorded)
    {
        var decision = BootDecision.Decide(Region(LifecycleState.Active, s_previous, s_beforeThat, recorded), s_current);

        Assert.Equal(LifecycleState.Reconciling, decision.State);
        Assert.Equal(ReconcileCause.UnplannedReboot, decision.Cause);
        Assert.True(decision.KexecDetected);
        Assert.True(decision.ReconcileNeeded);
        var warning = Assert.Single(decision.Warnings);
        Assert.Contains("unplanned reboot", warning, StringComparison.Ordinal);
        Assert.Contains("stale", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void NewBoot_Freezing_IsAnUnplannedReboot_Reconciles_WarningThatTheFreezeNeverSealed()
    {
        var decision = BootDecision.Decide(Region(LifecycleState.Freezing, s_previous, s_beforeThat, ReconcileCause.None), s_current);

        Assert.Equal(LifecycleState.Reconciling, decision.State);
        Assert.Equal(ReconcileCause.UnplannedReboot, decision.Cause);
        Assert.True(decision.KexecDetected);
        Assert.True(decision.ReconcileNeeded);
        var warning = Assert.Single(decision.Warnings);
        Assert.Contains("never sealed", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ReconcileCause.PlannedUpdate)]
    [InlineData(ReconcileCause.UnplannedReboot)]
    [InlineData(ReconcileCause.Operator)]
    public void NewBoot_Reconciling_ReconcilesAgain_KeepingTheFirstCause_WithAWarning(ReconcileCause recorded)
    {
        var decision = BootDecision.Decide(Region(LifecycleState.Reconciling, s_previous, s_beforeThat, recorded), s_current);

        Assert.Equal(LifecycleState.Reconciling, decision.State);
        Assert.Equal(recorded, decision.Cause);
        Assert.True(decision.KexecDetected);
        Assert.True(decision.ReconcileNeeded);
        var warning = Assert.Single(decision.Warnings);
        Assert.Contains("rebooted again", warning, StringComparison.Ordinal);
    }

    // ---- Properties every decision has. ----

    [Theory]
    [MemberData(nameof(EveryCombination))]
    public void EveryDecision_IsATransitionRecordBootAccepts_NamesACause_AndIsDeterministic(LifecycleState state, Boot boot)
    {
        var region = Region(state, BootIdOf(boot), boot == Boot.Empty ? Guid.Empty : s_beforeThat, ReconcileCause.PlannedUpdate);

        var decision = BootDecision.Decide(region, s_current);

        Assert.True(decision.State == state || PersistentRegion.IsLegal(state, decision.State),
            $"{state} + {boot} boot decided {decision.State}, which RecordBoot would refuse");
        Assert.Equal(decision.State == LifecycleState.Reconciling, decision.ReconcileNeeded);
        Assert.NotEqual(ReconcileCause.Unknown, decision.Cause);
        Assert.All(decision.Warnings, w => Assert.False(string.IsNullOrWhiteSpace(w)));

        var again = BootDecision.Decide(region, s_current);
        Assert.Equal(decision, again with { Warnings = decision.Warnings });
        Assert.Equal(decision.Warnings, again.Warnings);
    }

    [Theory]
    [MemberData(nameof(EveryCombination))]
    public void ANewBootAlwaysReconciles_OnlyFrozenIsPlanned_WhileASameBootNeverKeepsAFreeze_AndAnEmptyOneKeepsTheState(LifecycleState state, Boot boot)
    {
        var decision = BootDecision.Decide(Region(state, BootIdOf(boot), boot == Boot.Empty ? Guid.Empty : s_beforeThat, ReconcileCause.None), s_current);

        switch (boot)
        {
            case Boot.New:
                Assert.Equal(LifecycleState.Reconciling, decision.State);
                Assert.True(decision.KexecDetected);
                if (state != LifecycleState.Reconciling)
                {
                    Assert.Equal(state == LifecycleState.Frozen ? ReconcileCause.PlannedUpdate : ReconcileCause.UnplannedReboot, decision.Cause);
                    // Only a sealed freeze followed by a new boot is the normal case: everything else warns.
                    Assert.Equal(state == LifecycleState.Frozen, decision.Warnings.Count == 0);
                }

                break;
            case Boot.Same:
                // The barrier lived in the dead daemon: a same-boot restart never resumes FREEZING.
                Assert.NotEqual(LifecycleState.Freezing, decision.State);
                Assert.Equal(state == LifecycleState.Reconciling, decision.State == LifecycleState.Reconciling);
                Assert.Equal(state == LifecycleState.Reconciling, decision.KexecDetected);
                Assert.Equal(state is LifecycleState.Freezing or LifecycleState.Reconciling, decision.Warnings.Count > 0);
                break;
            default:
                Assert.Equal(state, decision.State);
                Assert.Equal(ReconcileCause.None, decision.Cause);
                Assert.False(decision.KexecDetected);
                break;
        }
    }

    private static Guid BootIdOf(Boot boot) => boot switch
    {
        Boot.Empty => Guid.Empty,
        Boot.Same => s_current,
        _ => s_previous,
    };

    private static RegionInfo Region(LifecycleState state, Guid bootId, Guid previousBootId, ReconcileCause cause) => new()
    {
        Backend = RegionBackend.File,
        Path = "/dev/shm/region",
        Size = 256L << 20,
        SmallGranule = 4096,
        LargeGranule = 2L << 20,
        PhysicalBase = 1UL << 32,
        PhysicalBaseSimulated = true,
        FormatVersion = 1,
        RegionUuid = Guid.Parse("01234567-89ab-4cde-8f01-23456789abcd"),
        State = state,
        Generation = 42,
        BootId = bootId,
        PreviousBootId = previousBootId,
        FormattedAt = DateTimeOffset.UnixEpoch,
        ReconcileCause = cause,
        StateChangedAt = DateTimeOffset.UnixEpoch.AddDays(1),
        AttachCount = 7,
    };
}
