using LiveUpdate.Libvirt.Libvirt;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Libvirt;

/// <summary>What RECLAIM_READY asks of the agent for one domain.</summary>
internal enum ResumeAction
{
    /// <summary>Start it from its managed save (after checking the record).</summary>
    Start,

    /// <summary>Nothing to do: it runs already, or has no managed save, or is gone.</summary>
    Nothing,

    /// <summary>The reconcile did not judge it RESUMABLE: leave it as it is.</summary>
    NotResumable,
}

/// <summary>The decision on RECLAIM_READY, apart from libvirt and the daemon so that it can be tested alone.</summary>
internal static class ResumeDecision
{
    /// <summary>Start only a RESUMABLE domain that is shut off with a managed save; never touch a running one.</summary>
    public static ResumeAction Decide(VmVerdictKind verdict, DomainSnapshot? domain) =>
        domain is not { IsSaved: true } ? ResumeAction.Nothing
        : verdict == VmVerdictKind.Resumable ? ResumeAction.Start
        : ResumeAction.NotResumable;
}
