namespace LiveUpdate.Cli.Output;

/// <summary>
/// An aligned text table: columns two spaces apart, each as wide as its widest cell, numbers right-aligned where asked,
/// no trailing blanks. A table without headers is a key/value list.
/// </summary>
internal sealed class Table
{
    private const string Gap = "  ";
    private readonly string[]? _headers;
    private readonly bool[] _rightAligned;
    private readonly List<string[]> _rows = [];

    private Table(string[]? headers, int columns)
    {
        _headers = headers;
        _rightAligned = new bool[columns];
    }

    /// <summary>The number of rows added.</summary>
    public int Count => _rows.Count;

    /// <summary>A table with a header row of <paramref name="headers"/>.</summary>
    public static Table WithHeaders(params string[] headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return new Table(headers, headers.Length);
    }

    /// <summary>A two-column key/value list without a header row.</summary>
    public static Table KeyValue() => new(null, 2);

    /// <summary>Right-aligns the columns at <paramref name="columns"/> (zero-based).</summary>
    public Table AlignRight(params int[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        foreach (int column in columns)
        {
            _rightAligned[column] = true;
        }

        return this;
    }

    /// <summary>Adds a row; it must have one cell per column. Unprintable characters are escaped (<see cref="Printable"/>).</summary>
    public void Add(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _rightAligned.Length)
        {
            throw new ArgumentException($"a row of {cells.Length} cells in a table of {_rightAligned.Length} columns", nameof(cells));
        }

        _rows.Add(Array.ConvertAll(cells, Printable.Escape)); // escaped before the widths are measured
    }

    /// <summary>Writes the header (if any) and the rows, each line indented by <paramref name="indent"/>.</summary>
    public void Write(TextWriter output, string indent = "")
    {
        ArgumentNullException.ThrowIfNull(output);
        IEnumerable<string[]> lines = _headers is null ? _rows : _rows.Prepend(_headers);
        int[] widths = new int[_rightAligned.Length];
        foreach (string[] line in lines)
        {
            for (int i = 0; i < line.Length; i++)
            {
                widths[i] = Math.Max(widths[i], line[i].Length);
            }
        }

        foreach (string[] line in lines)
        {
            var text = new System.Text.StringBuilder(indent);
            for (int i = 0; i < line.Length; i++)
            {
                if (i > 0)
                {
                    text.Append(Gap);
                }

                bool last = i == line.Length - 1;
                text.Append(_rightAligned[i] ? line[i].PadLeft(widths[i]) : last ? line[i] : line[i].PadRight(widths[i]));
            }

            output.WriteLine(text.ToString().TrimEnd());
        }
    }
}
