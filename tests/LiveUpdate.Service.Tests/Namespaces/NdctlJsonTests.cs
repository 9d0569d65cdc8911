using LiveUpdate.Region;
using LiveUpdate.Service.Namespaces;

namespace LiveUpdate.Service.Tests.Namespaces;

/// <summary>What ndctl prints with its JSON output: one namespace as an object, several as an array, none as nothing.</summary>
public sealed class NdctlJsonTests
{
    /// <summary>ndctl v76's answer to create-namespace -m devdax -M dev -a 2M -s 128M -n NAME (the form measured under ramdax).</summary>
    private const string Created = """
        {
          "dev":"namespace0.1",
          "mode":"devdax",
          "map":"dev",
          "size":130023424,
          "uuid":"5bb1a2c4-6f56-4bd2-8a45-6a2b8b8a9c0e",
          "daxregion":{
            "id":0,
            "size":130023424,
            "align":2097152,
            "devices":[
              {
                "chardev":"dax0.1",
                "size":130023424,
                "target_node":0,
                "align":2097152,
                "mode":"devdax"
              }
            ]
          },
          "align":2097152,
          "name":"lu-0123456789abcdef0123456789abcdef"
        }
        """;

    [Fact]
    public void OneNamespace_IsAnObject()
    {
        var parsed = Assert.Single(NdctlJson.Parse(Created, "ndctl create-namespace"));

        Assert.Equal("namespace0.1", parsed.Device);
        Assert.Equal("lu-0123456789abcdef0123456789abcdef", parsed.Name);
        Assert.Equal("devdax", parsed.Mode);
        Assert.Equal(124L << 20, parsed.Size);
        Assert.Equal(["dax0.1"], parsed.CharacterDevices);
    }

    [Fact]
    public void SeveralNamespaces_AreAnArray_AndNoneIsNothing()
    {
        var parsed = NdctlJson.Parse("[{\"dev\":\"namespace0.0\",\"mode\":\"devdax\",\"name\":\"liveupdate-metadata\"},{\"dev\":\"namespace0.1\",\"mode\":\"raw\"}]", "ndctl list");

        Assert.Equal(["namespace0.0", "namespace0.1"], parsed.Select(n => n.Device));
        Assert.Null(parsed[1].Name);
        Assert.Empty(parsed[1].CharacterDevices);
        Assert.Empty(NdctlJson.Parse("\n", "ndctl list"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("42")]
    [InlineData("{\"mode\":\"devdax\"}")]
    [InlineData("[{\"dev\":7}]")]
    public void AnythingElse_IsAnErrorNamingTheCommand(string output)
    {
        var ex = Assert.Throws<RegionException>(() => NdctlJson.Parse(output, "ndctl create-namespace -r region0"));
        Assert.Equal(RegionError.Io, ex.Error);
        Assert.Contains("ndctl create-namespace -r region0", ex.Message, StringComparison.Ordinal);
    }
}
