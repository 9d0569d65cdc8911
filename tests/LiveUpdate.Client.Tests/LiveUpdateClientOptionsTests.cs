namespace LiveUpdate.Client.Tests;

public sealed class LiveUpdateClientOptionsTests
{
    [Fact]
    public void Defaults_AreValid_AndNameTheDaemonsSocket()
    {
        var options = new LiveUpdateClientOptions { SocketDirectory = "/run/liveupdate" };

        options.Validate();

        Assert.Equal("/run/liveupdate/liveupdate.sock", options.GrpcSocketPath);
        Assert.Equal(10, options.MaxAttempts);
        Assert.Same(TimeProvider.System, options.TimeProvider);
    }

    [Fact]
    public void DefaultSocketDirectory_IsAbsolute()
    {
        Assert.True(Path.IsPathRooted(LiveUpdateClientOptions.DefaultSocketDirectory()));
        Assert.Equal(LiveUpdateClientOptions.DefaultSocketDirectory(), new LiveUpdateClientOptions().SocketDirectory);
    }

    public static TheoryData<string, Action<LiveUpdateClientOptions>> BadSettings => new()
    {
        { "SocketDirectory", o => o.SocketDirectory = "relative/dir" },
        { "SocketDirectory", o => o.SocketDirectory = "" },
        { "SocketDirectory", o => o.SocketDirectory = "/" + new string('d', 100) },
        { "GrpcSocketName", o => o.GrpcSocketName = "a/b.sock" },
        { "GrpcSocketName", o => o.GrpcSocketName = ".." },
        { "MaxAttempts", o => o.MaxAttempts = 0 },
        { "RetryBaseDelay", o => o.RetryBaseDelay = TimeSpan.Zero },
        { "RetryMaxDelay", o => o.RetryMaxDelay = TimeSpan.FromMilliseconds(1) },
        { "RetryTimeout", o => o.RetryTimeout = TimeSpan.FromMilliseconds(1) },
        { "CallTimeout", o => o.CallTimeout = TimeSpan.Zero },
        { "HandoutTimeout", o => o.HandoutTimeout = Timeout.InfiniteTimeSpan },
        { "TimeProvider", o => o.TimeProvider = null! },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Validate_BadSetting_NamesIt(string setting, Action<LiveUpdateClientOptions> change)
    {
        var options = new LiveUpdateClientOptions { SocketDirectory = "/run/liveupdate" };
        change(options);

        var e = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(setting, e.ParamName);
    }

    [Fact]
    public void Validate_InfiniteTimeouts_AreAccepted()
    {
        var options = new LiveUpdateClientOptions
        {
            SocketDirectory = "/run/liveupdate",
            RetryTimeout = Timeout.InfiniteTimeSpan,
            CallTimeout = Timeout.InfiniteTimeSpan,
        };

        Exception? failure = Record.Exception(options.Validate);

        Assert.Null(failure);
    }

    [Fact]
    public void Client_BadOptions_ThrowsAtConstruction()
    {
        var options = new LiveUpdateClientOptions { SocketDirectory = "relative" };

        Assert.Throws<ArgumentException>(() => new LiveUpdateClient(options));
    }
}
