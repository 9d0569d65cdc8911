namespace LiveUpdate.Protocol.Tests;

/// <summary>Where the daemon and its clients look for the sockets, and the names and modes both sides rely on.</summary>
public sealed class SocketDirectoryTests
{
    [Fact]
    public void Resolve_EnvironmentOverride_WinsEvenForRoot()
    {
        string directory = SocketDirectory.Resolve(Env(("LIVEUPDATE_SOCKET_DIR", "/srv/lu"), ("XDG_RUNTIME_DIR", "/run/user/0")), 0);

        Assert.Equal("/srv/lu", directory);
    }

    [Fact]
    public void Resolve_Root_UsesRunLiveupdate()
    {
        Assert.Equal("/run/liveupdate", SocketDirectory.Resolve(Env(("XDG_RUNTIME_DIR", "/run/user/0")), 0));
    }

    [Fact]
    public void Resolve_User_UsesXdgRuntimeDir()
    {
        Assert.Equal("/run/user/1000/liveupdate", SocketDirectory.Resolve(Env(("XDG_RUNTIME_DIR", "/run/user/1000")), 1000));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("relative/runtime")]
    public void Resolve_UserWithoutUsableXdgRuntimeDir_UsesTmpWithUid(string? runtime)
    {
        Assert.Equal("/tmp/liveupdate-1000", SocketDirectory.Resolve(Env(("XDG_RUNTIME_DIR", runtime)), 1000));
    }

    [Fact]
    public void Resolve_EmptyOverride_IsIgnored()
    {
        Assert.Equal("/run/liveupdate", SocketDirectory.Resolve(Env(("LIVEUPDATE_SOCKET_DIR", "")), 0));
    }

    [Fact]
    public void Resolve_ThisProcess_ReadsItsOwnEnvironment()
    {
        string? configured = Environment.GetEnvironmentVariable(SocketDirectory.EnvironmentVariable);

        string directory = SocketDirectory.Resolve(effectiveUid: 0);

        Assert.Equal(string.IsNullOrEmpty(configured) ? SocketDirectory.SystemDirectory : configured, directory);
    }

    [Fact]
    public void Names_AreTheOnesDeployAndEveryClientUse()
    {
        Assert.Equal("LIVEUPDATE_SOCKET_DIR", SocketDirectory.EnvironmentVariable);
        Assert.Equal("liveupdate.sock", SocketDirectory.GrpcSocketName);
        Assert.Equal("fd.sock", SocketDirectory.FdSocketName);
    }

    [Fact]
    public void Modes_AreOwnerAndGroupOnly()
    {
        const int RwxRx = 0b111_101_000;
        const int RwRw = 0b110_110_000;
        Assert.Equal(RwxRx, (int)SocketDirectory.DirectoryMode);
        Assert.Equal(RwRw, (int)SocketDirectory.SocketMode);
    }

    private static Func<string, string?> Env(params (string Name, string? Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}
