using LiveUpdate.Service.Configuration;
using Microsoft.Extensions.Configuration;

namespace LiveUpdate.Service.Tests.Inventory;

/// <summary><c>--libvirt-uri</c>: declared, bound and validated like the other daemon options.</summary>
public sealed class LibvirtUriOptionTests
{
    [Fact]
    public void Option_IsListedWithItsEnvironmentVariableAndUsageLine()
    {
        var option = Assert.IsType<DaemonOption>(DaemonOptionNames.Find("libvirt-uri"));
        Assert.Equal("LIVEUPDATE_LIBVIRT_URI", option.EnvironmentVariable);
        Assert.False(option.IsFlag);
        Assert.Contains("--libvirt-uri URI", DaemonOptionNames.Usage(), StringComparison.Ordinal);
        Assert.Equal("qemu:///system", CommandLine.Parse(["--libvirt-uri", "qemu:///system"]).Settings["LiveUpdate:libvirt-uri"]);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("qemu:///system", "qemu:///system")]
    [InlineData("test:///tmp/node.xml", "test:///tmp/node.xml")]
    public void Binder_SetsTheUri_EmptyMeansNone(string? value, string? bound)
    {
        var settings = new Dictionary<string, string?>();
        if (value is not null)
        {
            settings["LiveUpdate:libvirt-uri"] = value;
        }

        var options = new DaemonOptions();
        new DaemonOptionsBinder(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).Configure(options);

        Assert.Equal(bound, options.LibvirtUri);
    }

    [Theory]
    [InlineData("qemu:///system", true)]
    [InlineData("qemu+ssh://root@host.example/system", true)]
    [InlineData("test:///default", true)]
    [InlineData("/var/run/libvirt/libvirt-sock", false)]
    [InlineData("system", false)]
    [InlineData("qemu:///sys tem", false)]
    [InlineData("1qemu:///system", false)]
    [InlineData("://system", false)]
    public void Validator_AcceptsOnlyTheUriForm(string uri, bool valid)
    {
        var options = new DaemonOptions { LibvirtUri = uri };

        var result = new DaemonOptionsValidator().Validate(null, options);

        var failures = result.Failures ?? [];
        Assert.Equal(valid, !failures.Any(f => f.StartsWith("--libvirt-uri:", StringComparison.Ordinal)));
    }
}
