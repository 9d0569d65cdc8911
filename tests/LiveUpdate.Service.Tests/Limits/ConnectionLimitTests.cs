using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Limits;

/// <summary>
/// gRPC connections per uid and in total (docs/design.md §13; --max-connections-per-uid, --max-connections) as real uids:
/// a peer keeps clients connected, and the one past the limit hears RESOURCE_EXHAUSTED naming it, while root is still
/// served. A flood of connections is StalledConnectionTests. Needs root (setpriv).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ConnectionLimitTests
{
    [RootFact(Timeout = 240_000)]
    public async Task UidPastItsConnections_HearsResourceExhaustedNamingTheLimit_RootIsServed()
    {
        await using var daemon = await LimitedDaemon.StartAsync(64L << 20, "--max-connections-per-uid", "3");
        var peer = await TestPeer.RunAsync(RunAs.Nobody, daemon.SocketDirectory, "connections 3");
        Assert.Equal("OK", peer[0].Result);
        Assert.StartsWith("held=3 then ResourceExhausted: ", peer[0].Detail, StringComparison.Ordinal);
        Assert.Contains("limit: uid 65534 holds 3 gRPC connections, its limit (--max-connections-per-uid 3)", peer[0].Detail, StringComparison.Ordinal);
        Assert.NotNull(await daemon.Files.GetRegionAsync(new GetRegionRequest()));
    }

    [RootFact(Timeout = 240_000)]
    public async Task UidsAtTheTotal_HearResourceExhaustedNamingTheLimit_RootIsServed()
    {
        await using var daemon = await LimitedDaemon.StartAsync(64L << 20, "--max-connections", "2", "--max-connections-per-uid", "0");
        var peer = await TestPeer.RunAsync(RunAs.Nobody, daemon.SocketDirectory, "connections 2");
        Assert.StartsWith("held=2 then ResourceExhausted: ", peer[0].Detail, StringComparison.Ordinal);
        Assert.Contains("limit: 2 gRPC connections are open, the limit (--max-connections 2)", peer[0].Detail, StringComparison.Ordinal);
        using var channel = daemon.Daemon.Channel();
        Assert.NotNull(await new Files.FilesClient(channel).GetRegionAsync(new GetRegionRequest()));
    }
}
