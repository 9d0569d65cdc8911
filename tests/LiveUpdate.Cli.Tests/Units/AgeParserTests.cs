using LiveUpdate.Cli.Sizes;

namespace LiveUpdate.Cli.Tests.Units;

public sealed class AgeParserTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("000", 0)]
    [InlineData("0s", 0)]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("30m", 1_800_000)]
    [InlineData("30min", 1_800_000)]
    [InlineData("12h", 43_200_000)]
    [InlineData("7d", 604_800_000)]
    [InlineData("2w", 1_209_600_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("7D", 604_800_000)]
    public void TryParse_AcceptedForms(string text, long milliseconds)
    {
        Assert.True(AgeParser.TryParse(text, out var age, out var error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), age);
    }

    [Theory]
    [InlineData("7", "has no unit: write 7d, 7h, 7m or 7s")]
    [InlineData("-1d", "is negative")]
    [InlineData("", "is not a duration")]
    [InlineData("soon", "is not a duration")]
    [InlineData("5y", "is not a duration")]
    [InlineData("1h30", "is not a duration")]
    [InlineData("36526d", "is too long")]
    [InlineData("99999999999999999999999999d", "is not a duration")]
    public void TryParse_Garbage_IsRejectedWithAReason(string text, string reason)
    {
        Assert.False(AgeParser.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
