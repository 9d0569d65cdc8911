using LiveUpdate.Cli.Planning;
using LiveUpdate.Cli.Sizes;

namespace LiveUpdate.Cli.Tests.Units;

public sealed class SuffixFormatTests
{
    [Theory]
    [InlineData(0UL, "0")]
    [InlineData(1UL << 10, "1K")]
    [InlineData(2UL << 20, "2M")]
    [InlineData(3UL << 30, "3G")]
    [InlineData((6UL << 30) + (2UL << 20), "6146M")]
    [InlineData(1UL << 40, "1T")]
    [InlineData(0x1_0000_0000UL, "4G")]
    [InlineData(1536UL, "0x600")]
    [InlineData(4097UL, "0x1001")]
    public void Format_LargestExactBinarySuffix(ulong value, string expected) => Assert.Equal(expected, SuffixFormat.Format(value));

    [Theory]
    [InlineData(0UL)]
    [InlineData(4096UL)]
    [InlineData(0x1234UL)]
    [InlineData((6UL << 30) + (2UL << 20))]
    [InlineData(16UL << 40)]
    public void Format_RoundTripsThroughTheKernelsMemparse(ulong value)
    {
        Assert.True(KernelCommandLine.TryMemparse(SuffixFormat.Format(value), out var parsed));
        Assert.Equal(value, parsed);
    }
}
