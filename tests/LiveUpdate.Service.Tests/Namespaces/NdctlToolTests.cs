using LiveUpdate.Region;
using LiveUpdate.Service.Namespaces;

namespace LiveUpdate.Service.Tests.Namespaces;

/// <summary>
/// The real ndctl (Debian's package) on this host, which has no nd region: each failure reaches the caller as one line
/// with the command and ndctl's own message. Creating and destroying real namespaces runs in the kexec lab.
/// </summary>
public sealed class NdctlToolTests
{
    private const string Ndctl = NdctlFactAttribute.Ndctl;

    [NdctlFact]
    public void CreateOnARegionThatDoesNotExist_FailsWithNdctlsMessage()
    {
        var ex = Assert.Throws<RegionException>(() => new NdctlTool(Ndctl).CreateDevDax("region977", "lu-test", 16L << 20));

        Assert.Equal(RegionError.Io, ex.Error);
        Assert.StartsWith("ndctl create-namespace -r region977 -m devdax -M dev -a 2M -s 16777216 -n lu-test failed (exit ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("failed to create namespace", ex.Message, StringComparison.Ordinal);
    }

    [NdctlFact]
    public void DestroyOfANamespaceThatDoesNotExist_Fails()
    {
        var ex = Assert.Throws<RegionException>(() => new NdctlTool(Ndctl).Destroy("region977", "namespace977.0"));

        Assert.Contains("ndctl destroy-namespace -f -r region977 namespace977.0 failed", ex.Message, StringComparison.Ordinal);
    }
}
