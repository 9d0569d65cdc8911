using System.Collections;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Limits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Tests.Limits;

/// <summary>The quota and limit options: parsing, per-uid overrides from appsettings and the environment, and what they resolve to.</summary>
public sealed class LimitOptionsTests
{
    [Fact]
    public void Defaults_AreHalfTheRegion_AHundredThousandInodes_And1024Tokens()
    {
        var options = new DaemonOptions();
        Assert.Equal(50, options.QuotaBytes.Percent);
        Assert.Equal(100_000, options.QuotaInodes);
        Assert.Equal(1024, options.MaxTokensPerUid);
        Assert.True(options.MaxConnections > 0 && options.MaxConnectionsPerUid > 0 && options.MaxStreams > 0 && options.MaxStreamsPerUid > 0);
    }

    [Theory]
    [InlineData("4GiB", 4L << 30, 0)]
    [InlineData("25%", 0, 25)]
    [InlineData(" 100% ", 0, 100)]
    [InlineData("0", 0, 0)]
    [InlineData("512M", 512L << 20, 0)]
    public void ByteQuota_ParsesSizesAndShares(string text, long bytes, int percent) =>
        Assert.Equal(new ByteQuota(bytes, percent), ByteQuota.Parse(text));

    [Theory]
    [InlineData("101%")]
    [InlineData("-1%")]
    [InlineData("%")]
    [InlineData("5.5%")]
    [InlineData("lots")]
    [InlineData("-4G")]
    public void ByteQuota_BadText_IsRefused(string text) => Assert.Throws<FormatException>(() => ByteQuota.Parse(text));

    [Fact]
    public void ByteQuota_Share_ResolvesWithoutOverflow()
    {
        Assert.Equal(4L << 30, new ByteQuota(0, 50).Resolve(8L << 30));
        Assert.Equal(long.MaxValue / 100 * 100 + long.MaxValue % 100, new ByteQuota(0, 100).Resolve(long.MaxValue));
    }

    [Fact]
    public void Binder_ReadsLimitsAndPerUidOverrides()
    {
        var options = Bind(new()
        {
            ["LiveUpdate:quota-bytes"] = "10%",
            ["LiveUpdate:quota-inodes"] = "0",
            ["LiveUpdate:max-tokens-per-uid"] = "7",
            ["LiveUpdate:max-connections"] = "100",
            ["LiveUpdate:max-connections-per-uid"] = "5",
            ["LiveUpdate:max-streams"] = "200",
            ["LiveUpdate:max-streams-per-uid"] = "9",
            ["LiveUpdate:Quotas:1000:Bytes"] = "4GiB",
            ["LiveUpdate:Quotas:1000:Inodes"] = "5000",
            ["LiveUpdate:Quotas:65534:inodes"] = "3",
        });
        Assert.Equal(new ByteQuota(0, 10), options.QuotaBytes);
        Assert.Equal(0, options.QuotaInodes);
        Assert.Equal((7, 100, 5, 200, 9), (options.MaxTokensPerUid, options.MaxConnections, options.MaxConnectionsPerUid, options.MaxStreams, options.MaxStreamsPerUid));
        Assert.Equal(new QuotaOverride(new ByteQuota(4L << 30, 0), 5000), options.QuotaOverrides[1000]);
        Assert.Equal(new QuotaOverride(null, 3), options.QuotaOverrides[65534]);
    }

    [Theory]
    [InlineData("LiveUpdate:quota-bytes", "half", "--quota-bytes")]
    [InlineData("LiveUpdate:quota-inodes", "-1", "--quota-inodes")]
    [InlineData("LiveUpdate:max-tokens-per-uid", "many", "--max-tokens-per-uid")]
    [InlineData("LiveUpdate:max-streams", "99999999999", "--max-streams")]
    [InlineData("LiveUpdate:Quotas:root:Bytes", "1G", "LiveUpdate:Quotas:root")]
    [InlineData("LiveUpdate:Quotas:1000:Files", "1", "LiveUpdate:Quotas:1000:Files")]
    [InlineData("LiveUpdate:Quotas:1000:Bytes", "1X", "LiveUpdate:Quotas:1000:Bytes")]
    [InlineData("LiveUpdate:Quotas:1000", "4G", "LiveUpdate:Quotas:1000")]
    public void Binder_BadSetting_FailsNamingIt(string key, string value, string named)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Bind(new() { [key] = value }));
        Assert.Contains(failure.Failures, line => line.StartsWith(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Environment_QuotaVariables_BecomeTheOverrideSection()
    {
        var environment = new Hashtable
        {
            ["LIVEUPDATE_QUOTAS__1000__BYTES"] = "4GiB",
            ["LIVEUPDATE_QUOTAS__1000__INODES"] = "5000",
            ["LIVEUPDATE_QUOTA_BYTES"] = "20%",
            ["LIVEUPDATE_MAX_STREAMS_PER_UID"] = "3",
            ["HOME"] = "/root",
        };
        var settings = CommandLine.FromEnvironment(environment);
        Assert.Equal("4GiB", settings["LiveUpdate:Quotas:1000:BYTES"]);
        var options = Bind(settings);
        Assert.Equal(new QuotaOverride(new ByteQuota(4L << 30, 0), 5000), options.QuotaOverrides[1000]);
        Assert.Equal(new ByteQuota(0, 20), options.QuotaBytes);
        Assert.Equal(3, options.MaxStreamsPerUid);
    }

    [Fact]
    public void CommandLine_TakesTheLimitOptions()
    {
        var line = CommandLine.Parse(["--quota-bytes", "25%", "--max-connections-per-uid=3"]);
        Assert.Equal("25%", line.Settings["LiveUpdate:quota-bytes"]);
        Assert.Equal("3", line.Settings["LiveUpdate:max-connections-per-uid"]);
    }

    [Fact]
    public void Usage_DocumentsTheOptionsAndTheOverrideSection()
    {
        var usage = DaemonOptionNames.Usage();
        foreach (var option in new[] { "--quota-bytes", "--quota-inodes", "--max-tokens-per-uid", "--max-connections", "--max-connections-per-uid", "--max-streams", "--max-streams-per-uid" })
        {
            Assert.Contains(option + " ", usage, StringComparison.Ordinal);
        }

        Assert.Contains("\"Quotas\": { \"1000\": { \"Bytes\": \"4GiB\", \"Inodes\": 5000 } }", usage, StringComparison.Ordinal);
        Assert.Contains("LIVEUPDATE_QUOTAS__1000__BYTES", usage, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotas_OverrideWins_ExemptUidsAreUnlimited_EachNamesItsSetting()
    {
        var options = Bind(new() { ["LiveUpdate:quota-inodes"] = "10", ["LiveUpdate:Quotas:1000:Bytes"] = "1G" });
        var quotas = new Quotas(Options.Create(options), new QuotaExemption(Options.Create(options)));
        var own = quotas.QuotaOf(1000);
        Assert.Equal((1L << 30, "LiveUpdate:Quotas:1000:Bytes", 10L, "--quota-inodes"), (own.Bytes, own.BytesSetting, own.Inodes, own.InodesSetting));
        Assert.Equal("--quota-bytes", quotas.QuotaOf(1001).BytesSetting);
        Assert.Same(UidQuota.Unlimited, quotas.QuotaOf(0));
    }

    [Fact]
    public void QuotaText_SaysSizesAsPeopleReadThem()
    {
        Assert.Equal("512 B", QuotaText.Size(512));
        Assert.Equal("4.0 KiB", QuotaText.Size(4096));
        Assert.Equal("5.0 GiB", QuotaText.Size(5L << 30));
        Assert.Equal("1.5 MiB", QuotaText.Size(3L << 19));
    }

    private static DaemonOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new DaemonOptions();
        new DaemonOptionsBinder(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).Configure(options);
        return options;
    }
}
