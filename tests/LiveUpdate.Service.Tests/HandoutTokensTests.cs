using LiveUpdate.Protocol;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Handout;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Tests;

public sealed class HandoutTokensTests
{
    private static HandoutGrant Grant(uint uid = 1000) => new(uid, 42, "/vm/ram", 3, 1, Writable: true);

    private static HandoutTokens Tokens(TimeProvider clock, int maxPerUid = DaemonOptions.DefaultMaxTokensPerUid) =>
        new(clock, Options.Create(new DaemonOptions { MaxTokensPerUid = maxPerUid }));

    [Fact]
    public void Redeem_WithinThirtySeconds_GrantsOnce()
    {
        var clock = new ManualClock();
        var tokens = Tokens(clock);
        var (token, grant) = tokens.Issue(Grant());
        Assert.Equal(16, token.Length);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromSeconds(30), grant.ExpiresAt);

        clock.Advance(TimeSpan.FromSeconds(29.999));
        Assert.Equal(HandoutStatus.Ok, tokens.Redeem(token, 1000, out var redeemed));
        Assert.Equal("/vm/ram", redeemed!.Path);
        Assert.Equal(HandoutStatus.UnknownToken, tokens.Redeem(token, 1000, out _));
    }

    [Fact]
    public void Redeem_AtThirtySeconds_IsExpiredAndConsumed()
    {
        var clock = new ManualClock();
        var tokens = Tokens(clock);
        var (token, _) = tokens.Issue(Grant());
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(HandoutStatus.Expired, tokens.Redeem(token, 1000, out _));
        Assert.Equal(HandoutStatus.UnknownToken, tokens.Redeem(token, 1000, out _));
    }

    [Fact]
    public void Redeem_ByAnotherUid_IsRefusedAndConsumed()
    {
        var tokens = Tokens(new ManualClock());
        var (token, _) = tokens.Issue(Grant(uid: 1000));
        Assert.Equal(HandoutStatus.PeerUidMismatch, tokens.Redeem(token, 0, out _));
        Assert.Equal(HandoutStatus.UnknownToken, tokens.Redeem(token, 1000, out _));
    }

    [Fact]
    public void Redeem_WrongLengthOrRandomBytes_IsRefused()
    {
        var tokens = Tokens(new ManualClock());
        Assert.Equal(HandoutStatus.MalformedRequest, tokens.Redeem(new byte[15], 0, out _));
        Assert.Equal(HandoutStatus.UnknownToken, tokens.Redeem(Guid.NewGuid().ToByteArray(), 0, out _));
    }

    [Fact]
    public void Issue_AtTheCapacity_RefusesEveryoneUntilTokensExpire()
    {
        var clock = new ManualClock();
        var tokens = Tokens(clock);
        for (var i = 0; i < HandoutTokens.Capacity; i++)
        {
            tokens.Issue(Grant(uid: 0));
        }

        var refused = Assert.Throws<DaemonException>(() => tokens.Issue(Grant(uid: 0)));
        Assert.Equal(DaemonError.Exhausted, refused.Error);
        clock.Advance(TimeSpan.FromSeconds(31));
        tokens.Issue(Grant(uid: 0));
        Assert.True(tokens.Count <= 1);
    }

    [Fact]
    public void Issue_PastTheUidsLimit_RefusesThatUidOnly_NamingTheOption()
    {
        var clock = new ManualClock();
        var tokens = Tokens(clock, maxPerUid: 3);
        for (var i = 0; i < 3; i++)
        {
            tokens.Issue(Grant(uid: 1000));
        }

        var refused = Assert.Throws<DaemonException>(() => tokens.Issue(Grant(uid: 1000)));
        Assert.Equal(DaemonError.Exhausted, refused.Error);
        Assert.Contains("uid 1000 holds 3", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--max-tokens-per-uid 3", refused.Message, StringComparison.Ordinal);
        tokens.Issue(Grant(uid: 1001));
        tokens.Issue(Grant(uid: 0));
        Assert.Equal(3, tokens.CountOf(1000));

        // Redeeming gives the uid its room back; so does expiry.
        var (token, _) = tokens.Issue(Grant(uid: 1002));
        Assert.Equal(HandoutStatus.Ok, tokens.Redeem(token, 1002, out _));
        Assert.Equal(0, tokens.CountOf(1002));
        clock.Advance(TimeSpan.FromSeconds(31));
        tokens.Issue(Grant(uid: 1000));
    }

    [Fact]
    public void Issue_WhenOtherUidsHoldTheirShare_RootStillGetsTokens()
    {
        var tokens = Tokens(new ManualClock(), maxPerUid: 0);
        for (var i = 0; i < HandoutTokens.Capacity - HandoutTokens.RootReserve; i++)
        {
            tokens.Issue(Grant(uid: 1000));
        }

        var refused = Assert.Throws<DaemonException>(() => tokens.Issue(Grant(uid: 1001)));
        Assert.Contains("kept for root", refused.Message, StringComparison.Ordinal);
        tokens.Issue(Grant(uid: 0));
        Assert.Equal(1, tokens.CountOf(0));
    }

    [Fact]
    public void Issue_ManyTokens_AreDistinct()
    {
        var tokens = Tokens(new ManualClock());
        var seen = new HashSet<string>();
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(seen.Add(Convert.ToHexString(tokens.Issue(Grant(uid: 0)).Token)));
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
