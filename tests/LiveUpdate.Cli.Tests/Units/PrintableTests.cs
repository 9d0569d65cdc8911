using LiveUpdate.Cli.Output;

namespace LiveUpdate.Cli.Tests.Units;

/// <summary>luctl escapes what does not print (docs/design.md §13), so that a name can fake no listing line and send no terminal escape.</summary>
public sealed class PrintableTests
{
    [Theory]
    [InlineData("plain/name-1.2_x", "plain/name-1.2_x")]
    [InlineData("a\nb", "a\\nb")]
    [InlineData("\u001b[2Jwiped", "\\x1b[2Jwiped")]
    [InlineData("tab\there\r", "tab\\there\\r")]
    [InlineData("del\u007f", "del\\x7f")]
    [InlineData("next\u0085line", "next\\u0085line")]
    [InlineData("bidi\u202Egnp.exe", "bidi\\u202egnp.exe")]
    [InlineData("line\u2028sep", "line\\u2028sep")]
    [InlineData("ünïcödé ✓ 😀", "ünïcödé ✓ 😀")]
    [InlineData("back\\slash", "back\\slash")]
    public void Escape_ShowsEveryUnprintableCharacterAsAnEscape(string text, string expected) => Assert.Equal(expected, Printable.Escape(text));

    [Fact(Timeout = 10_000)]
    public async Task Writer_EscapesWhatItIsGiven_ButKeepsTheLineEndsOfWriteLine()
    {
        await using var inner = new StringWriter { NewLine = "\n" };
        await using var writer = new PrintableWriter(inner);
        writer.WriteLine("ls: fake\nline");
        writer.Write('\u001b');
        writer.Write("[31m");
        writer.WriteLine();
        writer.WriteLine((object)"x\ry");
        await writer.WriteAsync("\a");
        await writer.WriteLineAsync("end\u009b");

        Assert.Equal("ls: fake\\nline\n\\x1b[31m\nx\\ry\n\\aend\\u009b\n", inner.ToString());
    }

    [Fact]
    public void Table_MeasuresTheEscapedCells()
    {
        var table = Table.WithHeaders("NAME", "SIZE");
        table.Add("a\nb", "1");
        table.Add("long-name", "2");
        using var output = new StringWriter { NewLine = "\n" };
        table.Write(output);

        Assert.Equal("NAME       SIZE\na\\nb       1\nlong-name  2\n", output.ToString());
    }

    [Fact(Timeout = 30_000)]
    public async Task UsageError_QuotingAnUnprintableArgument_IsEscaped()
    {
        await using var output = new StringWriter();
        await using var error = new StringWriter();
        Assert.Equal(ExitCodes.Usage, await Luctl.RunAsync(["no\u001b[2Jsuch"], output, error));
        Assert.Contains("unknown command or argument 'no\\x1b[2Jsuch'", error.ToString(), StringComparison.Ordinal);
    }
}
