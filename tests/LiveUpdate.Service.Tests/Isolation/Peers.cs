using LiveUpdate.Client;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Isolation;

/// <summary>The unprivileged uids of the isolation tests, both in group 65534 (the test daemons' socket directory group).</summary>
internal static class Peers
{
    /// <summary>uid 65534: the attacker of the audit (issue 15).</summary>
    public static RunAs Nobody => RunAs.Nobody;

    /// <summary>uid 65533: a second unprivileged uid, owner of VMs of its own.</summary>
    public static RunAs Second { get; } = new(65533, RunningDaemon.NobodyUid);

    /// <summary>Asserts every outcome's result, showing the details of all of them when one differs.</summary>
    public static void AssertResults(IReadOnlyList<PeerOutcome> outcomes, params string[] expected) =>
        Assert.True(outcomes.Select(o => o.Result).SequenceEqual(expected),
            "expected " + string.Join(", ", expected) + ", got:\n" + string.Join('\n', outcomes.Select(o => $"{o.Result}: {o.Detail}")));

    /// <summary>Makes <c>/vm</c> (root's) unless another test of the class made it.</summary>
    public static async Task EnsureVmRootAsync(LiveUpdateClient root)
    {
        try
        {
            await root.MakeDirectoryAsync("/vm");
        }
        catch (LiveUpdateException e) when (e.Error == LiveUpdateError.AlreadyExists)
        {
        }
    }
}
