using System.Text;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.Dma;

/// <summary>
/// Everything a client can see of the region's IOMMU state: ListDomains (every domain's fields and the root table's
/// address) and ListMappings of every domain. With <see cref="EndToEnd.RegionTree"/> (the files, the domains' inodes
/// included) it is how tests see that a rejected Dma request changed nothing.
/// </summary>
internal sealed record DmaSnapshot(ListDomainsResponse Domains, IReadOnlyDictionary<uint, ListMappingsResponse> Mappings)
{
    public static async Task<DmaSnapshot> CaptureAsync(LiveUpdate.Protocol.V1.Dma.DmaClient dma)
    {
        var domains = await dma.ListDomainsAsync(new ListDomainsRequest());
        var mappings = new SortedDictionary<uint, ListMappingsResponse>();
        foreach (var domain in domains.Domains)
        {
            mappings[domain.Id] = await dma.ListMappingsAsync(new ListMappingsRequest { DomainId = domain.Id });
        }

        return new DmaSnapshot(domains, mappings);
    }

    /// <summary>Asserts that <paramref name="after"/> is this snapshot exactly, naming what differs.</summary>
    public void AssertUnchanged(DmaSnapshot after, string because)
    {
        var difference = new StringBuilder();
        if (!Domains.Equals(after.Domains))
        {
            difference.AppendLine($"ListDomains\n  before: {Domains}\n  after:  {after.Domains}");
        }

        foreach (var id in Mappings.Keys.Union(after.Mappings.Keys).Order())
        {
            Mappings.TryGetValue(id, out var was);
            after.Mappings.TryGetValue(id, out var @is);
            if (!Equals(was, @is))
            {
                difference.AppendLine($"ListMappings of domain {id}\n  before: {was?.ToString() ?? "(absent)"}\n  after:  {@is?.ToString() ?? "(absent)"}");
            }
        }

        Assert.True(difference.Length == 0, $"{because}: the IOMMU state changed\n{difference}");
    }
}
