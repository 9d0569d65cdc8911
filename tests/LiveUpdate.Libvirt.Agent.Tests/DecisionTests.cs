using LiveUpdate.Libvirt.CommandLine;
using LiveUpdate.Libvirt.Libvirt;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Libvirt.Agent.Tests;

/// <summary>Which domains the agent takes on, what RECLAIM_READY makes it do, and its command line.</summary>
public sealed class DecisionTests
{
    private static DomainSnapshot Domain(int state, bool persistent = true, bool marked = true, bool saved = false) =>
        new(Guid.NewGuid(), "d", state, persistent, marked, saved);

    [Theory]
    [InlineData(DomainSnapshot.Running, true, true, false, true)]
    [InlineData(DomainSnapshot.Paused, true, true, false, true)]
    [InlineData(DomainSnapshot.Shutoff, true, true, true, true)]
    [InlineData(DomainSnapshot.Shutoff, true, true, false, false)]
    [InlineData(DomainSnapshot.Running, true, false, false, false)]
    [InlineData(DomainSnapshot.Running, false, true, false, false)]
    [InlineData(6, true, true, false, false)]
    public void Followed_AreMarkedPersistentDomainsThatRunOrAreShutOffWithAManagedSave(int state, bool persistent, bool marked, bool saved, bool followed) =>
        Assert.Equal(followed, Domain(state, persistent, marked, saved).IsFollowed);

    [Fact]
    public void ReclaimReady_StartsOnlyAResumableDomainShutOffWithAManagedSave()
    {
        var saved = Domain(DomainSnapshot.Shutoff, saved: true);
        Assert.Equal(ResumeAction.Start, ResumeDecision.Decide(VmVerdictKind.Resumable, saved));
        Assert.Equal(ResumeAction.NotResumable, ResumeDecision.Decide(VmVerdictKind.Missing, saved));
        Assert.Equal(ResumeAction.NotResumable, ResumeDecision.Decide(VmVerdictKind.Orphaned, saved));
        // Running already (an operator started it), shut off without a save, or gone: nothing to start.
        Assert.Equal(ResumeAction.Nothing, ResumeDecision.Decide(VmVerdictKind.Resumable, Domain(DomainSnapshot.Running)));
        Assert.Equal(ResumeAction.Nothing, ResumeDecision.Decide(VmVerdictKind.Resumable, Domain(DomainSnapshot.Shutoff)));
        Assert.Equal(ResumeAction.Nothing, ResumeDecision.Decide(VmVerdictKind.Resumable, null));
    }

    [Fact]
    public void CommandLine_ReadsTheOptions_AndDefaultsTheRescan()
    {
        var options = AgentCommandLine.Parse(["--libvirt-uri", "qemu:///system", "--socket-dir=/run/x", "--rescan-interval", "30s"])!;
        Assert.Equal(new AgentOptions("qemu:///system", "/run/x", TimeSpan.FromSeconds(30)), options);
        Assert.Equal(AgentOptions.DefaultRescanInterval, AgentCommandLine.Parse(["--libvirt-uri=qemu:///system"])!.RescanInterval);
        Assert.Null(AgentCommandLine.Parse(["--help"]));
    }

    [Theory]
    [InlineData(new string[0], "--libvirt-uri URI is required")]
    [InlineData(new[] { "--libvirt-uri", "system" }, "not a libvirt URI")]
    [InlineData(new[] { "--libvirt-uri", "qemu:///system", "--libvirt-uri", "qemu:///system" }, "given twice")]
    [InlineData(new[] { "--libvirt-uri", "qemu:///system", "--vm", "x" }, "unknown option")]
    [InlineData(new[] { "--libvirt-uri", "qemu:///system", "--rescan-interval", "5ms" }, "shorter than 100ms")]
    [InlineData(new[] { "--libvirt-uri", "qemu:///system", "--rescan-interval", "soon" }, "--rescan-interval")]
    [InlineData(new[] { "--libvirt-uri" }, "needs a value")]
    [InlineData(new[] { "qemu:///system" }, "is not an option")]
    public void CommandLine_RefusesBadUsage_SayingWhy(string[] args, string why)
    {
        var e = Assert.Throws<UsageException>(() => AgentCommandLine.Parse(args));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }
}
