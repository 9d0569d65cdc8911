using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;
using Xunit.Sdk;

namespace LiveUpdate.Fuzz.Tests.Daemon;

/// <summary>
/// Everything a client can see of a daemon's state: the region tree (GetRegion with its counters, recursive List, Stat
/// of every entry) and the IOMMU domains (ListDomains). Taken through root's channel before and after each fuzzed
/// call: a refused call must leave it equal.
/// </summary>
internal sealed record DaemonState(RegionTree Tree, ListDomainsResponse Domains)
{
    public static async Task<DaemonState> CaptureAsync(Files.FilesClient files, Dma.DmaClient dma) =>
        new(await RegionTree.CaptureAsync(files), await dma.ListDomainsAsync(new ListDomainsRequest()));

    /// <summary>Every path in the tree, and the root.</summary>
    public IReadOnlyList<string> Paths => ["/", .. Tree.Paths];

    /// <summary>Null when <paramref name="after"/> equals this state; otherwise what differs.</summary>
    public string? Difference(DaemonState after)
    {
        if (!Domains.Equals(after.Domains))
        {
            return $"ListDomains changed\nbefore: {Domains}\nafter:  {after.Domains}";
        }

        try
        {
            Tree.AssertUnchanged(after.Tree, "the region tree");
            return null;
        }
        catch (XunitException ex)
        {
            return ex.Message;
        }
    }
}
