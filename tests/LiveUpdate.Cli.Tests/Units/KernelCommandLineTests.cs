using LiveUpdate.Cli.Planning;

namespace LiveUpdate.Cli.Tests.Units;

public sealed class KernelCommandLineTests
{
    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("16G", 16UL << 30)]
    [InlineData("16g", 16UL << 30)]
    [InlineData("0x100000000", 0x1_0000_0000UL)]
    [InlineData("0X10M", 16UL << 20)]
    [InlineData("010", 8UL)]
    [InlineData("1E", 1UL << 60)]
    public void TryMemparse_ReadsCNumbersWithSuffixes(string text, ulong expected)
    {
        Assert.True(KernelCommandLine.TryMemparse(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("0x")]
    [InlineData("09")]
    [InlineData("16Q")]
    [InlineData("16E")]
    public void TryMemparse_RejectsWhatTheKernelWouldNotRead(string text) => Assert.False(KernelCommandLine.TryMemparse(text, out _));

    [Fact]
    public void PersistentRanges_FindsEveryBangRange_AndSkipsOtherMemmapForms()
    {
        var ranges = KernelCommandLine.PersistentRanges(
            "BOOT_IMAGE=/vmlinuz-6.1.0 root=UUID=x ro memmap=16G!4G quiet memmap=64M@1G memmap=2G!0x800000000,1G!40G memmap=exactmap memmapx=1G!1G");

        Assert.Equal(
            [new MemmapRange(4UL << 30, 16UL << 30, "16G!4G"), new MemmapRange(32UL << 30, 2UL << 30, "2G!0x800000000"), new MemmapRange(40UL << 30, 1UL << 30, "1G!40G")],
            ranges);
    }

    [Theory]
    [InlineData(4UL << 30, 16UL << 30, true)]
    [InlineData(8UL << 30, 4UL << 30, true)]
    [InlineData(4UL << 30, (16UL << 30) + 1, false)]
    [InlineData((4UL << 30) - 1, 2, false)]
    [InlineData(19UL << 30, 2UL << 30, false)]
    public void Covers_IsContainment(ulong start, ulong size, bool expected) =>
        Assert.Equal(expected, new MemmapRange(4UL << 30, 16UL << 30, "16G!4G").Covers(start, size));
}
