using LiveUpdate.Protocol;
using LiveUpdate.Service.Handout;

namespace LiveUpdate.Service.Tests;

public sealed class HandoutTokensTests
{
    private static HandoutGrant Grant(uint uid = 1000) => new(uid, 42, "/vm/ram", 3, 1, Writable: true);

    [Fact]
    public void Redeem_WithinThirtySeconds_GrantsOnce()
    {
        var clock = new ManualClock();
        var tokens = new HandoutTokens(clock);
        var (token, grant) = tokens.TryIssue(Grant())!.Value;
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
        var tokens = new HandoutTokens(clock);
        var (token, _) = tokens.TryIssue(Grant())!.Value;
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(HandoutStatus.Expired, tokens.Redeem(token, 1000, out _));
        Assert.Equal(HandoutStatus.UnknownToken, tokens.Redeem(token, 1000, out _));
    }

    [Fact]
    public void Redeem_ByAnotherUid_IsRefusedAndConsumed()
    {
        var tokens = new HandoutTokens(new ManualClock());
        var (token, _) = tokens.TryIssue(Grant(uid: 1000))!.Value;
        Assert.Equal(HandoutStatus.PeerUidMismatch, tokens.Redeem(token, 0, out _));
        Assert.Equal(HandoutStatus.UnknownToken, tokens.Redeem(token, 1000, out _));
    }

    [Fact]
    public void Redeem_WrongLengthOrRandomBytes_IsRefused()
    {
        var tokens = new HandoutTokens(new ManualClock());
        Assert.Equal(HandoutStatus.MalformedRequest, tokens.Redeem(new byte[15], 0, out _));
        Assert.Equal(HandoutStatus.UnknownToken, tokens.Redeem(Guid.NewGuid().ToByteArray(), 0, out _));
    }

    [Fact]
    public void TryIssue_AtCapacity_RefusesUntilTokensExpire()
    {
        var clock = new ManualClock();
        var tokens = new HandoutTokens(clock);
        for (var i = 0; i < HandoutTokens.Capacity; i++)
        {
            Assert.NotNull(tokens.TryIssue(Grant()));
        }

        Assert.Null(tokens.TryIssue(Grant()));
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.NotNull(tokens.TryIssue(Grant()));
        Assert.True(tokens.Count <= 1);
    }

    [Fact]
    public void TryIssue_ManyTokens_AreDistinct()
    {
        var tokens = new HandoutTokens(new ManualClock());
        var seen = new HashSet<string>();
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(seen.Add(Convert.ToHexString(tokens.TryIssue(Grant())!.Value.Token)));
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
