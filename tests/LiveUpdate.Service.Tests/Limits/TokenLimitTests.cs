using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Limits;

/// <summary>
/// The per-uid cap on outstanding descriptor tokens (docs/design.md §13; --max-tokens-per-uid, default 1024), as a real
/// uid: 1,025 unredeemed Opens from one uid, and the last is RESOURCE_EXHAUSTED naming the option while root's Open,
/// and another uid's, still work. The uid is 65534 in the admin group (Debian's "users", --admin-group users): on the
/// file backend only the admin group may Open at all (a descriptor there reaches the whole region), and the cap applies
/// to every uid but root and the daemon's, admin group included. Needs root (setpriv).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class TokenLimitTests
{
    private const uint Users = 100;
    private const uint OtherUid = 60001;

    [RootFact(Timeout = 240_000)]
    public async Task OneUidHolding1024Tokens_IsRefusedNamingTheLimit_RootAndOthersStillOpen()
    {
        await using var daemon = await LimitedDaemon.StartAsync(64L << 20, "--admin-group", "users");
        await daemon.Files.CreateFileAsync(new CreateFileRequest { Path = "/f", SizeBytes = 4096, Kind = FileKind.Blob });

        var admin = RunAs.Nobody with { Groups = [Users] };
        var flood = await TestPeer.RunAsync(admin, daemon.SocketDirectory, "tokens /f 1025", "usage");
        Assert.Equal("OK", flood[0].Result);
        Assert.StartsWith("issued=1024 then ResourceExhausted: limit: uid 65534 holds 1024 unredeemed descriptor tokens", flood[0].Detail, StringComparison.Ordinal);
        Assert.Contains("(--max-tokens-per-uid 1024)", flood[0].Detail, StringComparison.Ordinal);
        Assert.Contains("tokens=1024 max_tokens=1024", flood[1].Detail, StringComparison.Ordinal);

        // Within the tokens' 30 s: root's Open works, and so does another uid's in the admin group.
        var rootOpen = await daemon.Files.OpenAsync(new OpenRequest { Path = "/f", Access = Access.ReadWrite });
        Assert.Equal(16, rootOpen.Token.Length);
        var other = await TestPeer.RunAsync(new RunAs(OtherUid, RunningDaemon.NobodyUid, Users), daemon.SocketDirectory, "open /f ro");
        Assert.True(other[0].Result == "OK", $"{other[0].Result}: {other[0].Detail}");
    }
}
