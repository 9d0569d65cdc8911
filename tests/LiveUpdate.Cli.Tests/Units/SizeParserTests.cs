using LiveUpdate.Cli.Sizes;

namespace LiveUpdate.Cli.Tests.Units;

public sealed class SizeParserTests
{
    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("0", 0UL)]
    [InlineData("512M", 512UL << 20)]
    [InlineData("512m", 512UL << 20)]
    [InlineData("512MB", 512UL << 20)]
    [InlineData("16GiB", 16UL << 30)]
    [InlineData("16 GiB", 16UL << 30)]
    [InlineData("2MiB", 2UL << 20)]
    [InlineData("4K", 4096UL)]
    [InlineData("4kib", 4096UL)]
    [InlineData("1T", 1UL << 40)]
    [InlineData("2P", 2UL << 50)]
    [InlineData("1.5G", 3UL << 29)]
    [InlineData("100B", 100UL)]
    [InlineData(" 8M ", 8UL << 20)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    [InlineData("16383P", 16383UL << 50)]
    public void TryParse_AcceptedForms_GiveBinaryBytes(string text, ulong expected)
    {
        Assert.True(SizeParser.TryParse(text, out var bytes, out var error), error);
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("", "is not a size")]
    [InlineData("M", "is not a size")]
    [InlineData("-1", "is negative")]
    [InlineData("-4G", "is negative")]
    [InlineData("12x", "unknown unit 'x'")]
    [InlineData("12 apples", "unknown unit 'apples'")]
    [InlineData("1.2.3M", "is not a size")]
    [InlineData(".5G", "is not a size")]
    [InlineData("5.G", "is not a size")]
    [InlineData("0x1000", "unknown unit 'x1000'")]
    [InlineData("18446744073709551616", "is too large")]
    [InlineData("16384P", "is too large")]
    [InlineData("99999999999999999999999999999999", "is not a size")]
    [InlineData("1.0000001K", "is not a whole number of bytes")]
    [InlineData("0.3", "is not a whole number of bytes")]
    public void TryParse_Garbage_IsRejectedWithAReason(string text, string reason)
    {
        Assert.False(SizeParser.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
