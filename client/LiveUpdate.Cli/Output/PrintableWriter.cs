using System.Text;

namespace LiveUpdate.Cli.Output;

/// <summary>
/// A writer for luctl's text output that escapes everything unprintable it is given (<see cref="Printable"/>), so that a
/// name from the region shows as <c>\n</c> or <c>\x1b</c> wherever a command prints it. Only the line ends written by
/// <c>WriteLine</c> stay real line ends. JSON output does not go through it: JSON escapes on its own.
/// </summary>
internal sealed class PrintableWriter(TextWriter inner) : TextWriter(inner.FormatProvider)
{
    /// <inheritdoc/>
    public override Encoding Encoding => inner.Encoding;

    /// <inheritdoc/>
    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // TextWriter.NewLine's setter takes null as "the default"; so does the inner writer's.
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    /// <inheritdoc/>
    public override void Write(char value) => inner.Write(Printable.Escape(value.ToString()));

    /// <inheritdoc/>
    public override void Write(string? value) => inner.Write(Printable.Escape(value));

    /// <inheritdoc/>
    public override void Write(char[] buffer, int index, int count) => inner.Write(Printable.Escape(new string(buffer, index, count)));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<char> buffer) => inner.Write(Printable.Escape(new string(buffer)));

    /// <inheritdoc/>
    public override void WriteLine() => inner.WriteLine();

    /// <inheritdoc/>
    public override void WriteLine(string? value) => inner.WriteLine(Printable.Escape(value));

    /// <inheritdoc/>
    public override void WriteLine(object? value) => WriteLine(value is IFormattable formattable ? formattable.ToString(null, FormatProvider) : value?.ToString());

    /// <inheritdoc/>
    public override void WriteLine(char[] buffer, int index, int count) => WriteLine(new string(buffer, index, count));

    /// <inheritdoc/>
    public override void WriteLine(ReadOnlySpan<char> buffer) => WriteLine(new string(buffer));

    /// <inheritdoc/>
    public override Task WriteAsync(string? value) => inner.WriteAsync(Printable.Escape(value));

    /// <inheritdoc/>
    public override Task WriteLineAsync() => inner.WriteLineAsync();

    /// <inheritdoc/>
    public override Task WriteLineAsync(string? value) => inner.WriteLineAsync(Printable.Escape(value));

    /// <inheritdoc/>
    public override void Flush() => inner.Flush();

    /// <inheritdoc/>
    public override Task FlushAsync() => inner.FlushAsync();
}
