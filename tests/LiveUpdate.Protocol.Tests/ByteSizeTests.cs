namespace LiveUpdate.Protocol.Tests;

/// <summary>
/// The one size parser: every form the daemon's options and luctl/liveupdate-qemu accepted before they shared it (the
/// union), and every form refused, with the reason the user reads.
/// </summary>
public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("0", 0UL)]
    [InlineData("1073741824", 1UL << 30)]
    [InlineData("512M", 512UL << 20)]
    [InlineData("512m", 512UL << 20)]
    [InlineData("512MB", 512UL << 20)]
    [InlineData("16GiB", 16UL << 30)]
    [InlineData("16GIB", 16UL << 30)]
    [InlineData("16gb", 16UL << 30)]
    [InlineData("16 GiB", 16UL << 30)]
    [InlineData("2MiB", 2UL << 20)]
    [InlineData("4K", 4096UL)]
    [InlineData("4KB", 4096UL)]
    [InlineData("4kib", 4096UL)]
    [InlineData("1T", 1UL << 40)]
    [InlineData("1TB", 1UL << 40)]
    [InlineData("1TiB", 1UL << 40)]
    [InlineData("2P", 2UL << 50)]
    [InlineData("2PiB", 2UL << 50)]
    [InlineData("1.5G", 3UL << 29)]
    [InlineData("0.5K", 512UL)]
    [InlineData("100B", 100UL)]
    [InlineData("100 b", 100UL)]
    [InlineData(" 8M ", 8UL << 20)]
    [InlineData("\t8M\n", 8UL << 20)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    [InlineData("16383P", 16383UL << 50)]
    public void TryParse_AcceptedForms_GiveBinaryBytes(string text, ulong expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes, out var error), error);
        Assert.Equal(expected, bytes);
        Assert.Equal(expected, ByteSize.Parse(text));
    }

    [Theory]
    [InlineData(null, "is not a size")]
    [InlineData("", "is not a size")]
    [InlineData("   ", "is not a size")]
    [InlineData("M", "is not a size")]
    [InlineData("-1", "is negative")]
    [InlineData("-4G", "is negative")]
    [InlineData("+4G", "is not a size")]
    [InlineData("12x", "unknown unit 'x'")]
    [InlineData("12 apples", "unknown unit 'apples'")]
    [InlineData("12 K B", "unknown unit 'K B'")]
    [InlineData("4E", "unknown unit 'E'")]
    [InlineData("4EiB", "unknown unit 'EiB'")]
    [InlineData("1e3", "unknown unit 'e3'")]
    [InlineData("1_000", "unknown unit '_000'")]
    [InlineData("1,5G", "unknown unit ',5G'")]
    [InlineData("1.2.3M", "is not a size")]
    [InlineData(".5G", "is not a size")]
    [InlineData("5.G", "is not a size")]
    [InlineData("0x1000", "unknown unit 'x1000'")]
    [InlineData("18446744073709551616", "is too large")]
    [InlineData("16384P", "is too large")]
    [InlineData("99999999999999999999999999999999", "is not a size")]
    [InlineData("1.0000001K", "is not a whole number of bytes")]
    [InlineData("0.3", "is not a whole number of bytes")]
    public void TryParse_Refused_SaysWhyAndGivesZero(string? text, string reason)
    {
        Assert.False(ByteSize.TryParse(text, out var bytes, out var error));
        Assert.Equal(0UL, bytes);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Refused_ThrowsFormatExceptionWithTheSameReason()
    {
        Assert.False(ByteSize.TryParse("12x", out _, out var error));

        var e = Assert.Throws<FormatException>(() => ByteSize.Parse("12x"));

        Assert.Equal(error, e.Message);
        Assert.Contains(ByteSize.Examples, Assert.Throws<FormatException>(() => ByteSize.Parse("lots")).Message, StringComparison.Ordinal);
    }
}
