using LiveUpdate.Client.Internal;

namespace LiveUpdate.Client.Tests.Internal;

public sealed class BackoffDelayTests
{
    private static readonly TimeSpan s_base = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_max = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(0, 25, 50)]
    [InlineData(1, 50, 100)]
    [InlineData(3, 200, 400)]
    [InlineData(10, 1000, 2000)]
    [InlineData(1000, 1000, 2000)]
    public void Compute_StaysWithinHalfAndAllOfTheCeiling(int retry, int lowMs, int highMs)
    {
        TimeSpan low = BackoffDelay.Compute(retry, s_base, s_max, 0);
        TimeSpan high = BackoffDelay.Compute(retry, s_base, s_max, 0.999999999);

        Assert.Equal(TimeSpan.FromMilliseconds(lowMs), low);
        Assert.InRange(high, TimeSpan.FromMilliseconds(highMs) - TimeSpan.FromTicks(100), TimeSpan.FromMilliseconds(highMs));
    }

    [Fact]
    public void Compute_AnyJitter_NeverShrinksFromOneRetryToTheNext()
    {
        var random = new Random(42);
        for (int trial = 0; trial < 1000; trial++)
        {
            TimeSpan previous = TimeSpan.Zero;
            for (int retry = 0; retry < 12; retry++)
            {
                TimeSpan delay = BackoffDelay.Compute(retry, s_base, s_max, random.NextDouble());
                Assert.True(delay >= previous || previous >= s_max / 2, $"retry {retry}: {delay} after {previous}");
                Assert.True(delay <= s_max);
                previous = delay;
            }
        }
    }
}
