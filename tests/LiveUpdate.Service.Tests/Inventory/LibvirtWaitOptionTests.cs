using LiveUpdate.Service.Configuration;
using Microsoft.Extensions.Configuration;

namespace LiveUpdate.Service.Tests.Inventory;

/// <summary><c>--libvirt-wait</c>: declared, bound and bounded like the other daemon options.</summary>
public sealed class LibvirtWaitOptionTests
{
    [Fact]
    public void Option_IsListedWithItsEnvironmentVariableAndUsageLine_DefaultSixtySeconds()
    {
        var option = Assert.IsType<DaemonOption>(DaemonOptionNames.Find("libvirt-wait"));
        Assert.Equal("LIVEUPDATE_LIBVIRT_WAIT", option.EnvironmentVariable);
        Assert.Contains("--libvirt-wait SECONDS", DaemonOptionNames.Usage(), StringComparison.Ordinal);
        Assert.Equal(60, new DaemonOptions().LibvirtWaitSeconds);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("30", 30)]
    [InlineData("3600", 3600)]
    public void Binder_ReadsSeconds(string value, int seconds) => Assert.Equal(seconds, Bind(value).LibvirtWaitSeconds);

    [Theory]
    [InlineData("3601")]
    [InlineData("-1")]
    [InlineData("30s")]
    [InlineData("soon")]
    public void Binder_RefusesWhatIsNotSecondsWithinAnHour(string value)
    {
        var e = Assert.ThrowsAny<Exception>(() => Bind(value));
        Assert.Contains("seconds", e.ToString(), StringComparison.Ordinal);
    }

    private static DaemonOptions Bind(string value)
    {
        var options = new DaemonOptions();
        var settings = new Dictionary<string, string?> { ["LiveUpdate:libvirt-wait"] = value };
        new DaemonOptionsBinder(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).Configure(options);
        return options;
    }
}
