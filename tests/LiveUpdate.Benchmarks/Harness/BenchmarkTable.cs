using System.Globalization;

namespace LiveUpdate.Benchmarks.Harness;

/// <summary>Prints a suite's figures as an aligned text table: figure, value, unit, min, max, n, target, verdict.</summary>
internal static class BenchmarkTable
{
    private static readonly string[] s_headers = ["figure", "value", "unit", "min", "max", "n", "target", "verdict"];

    /// <summary>Columns that hold numbers are right-aligned.</summary>
    private static readonly bool[] s_rightAligned = [false, true, false, true, true, true, false, false];

    public static void Write(TextWriter output, SuiteResult result)
    {
        output.WriteLine();
        output.WriteLine($"suite {result.Suite}: {result.Figures.Count} figures, measured in one run of {result.Duration.TotalSeconds:F0} s (value = median)");
        if (result.Load is { } load)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"other processes used {load.OthersCpuFraction:P0} of the CPUs during the run; load average {load.LoadAverageAtStart:F2} at start, {load.LoadAverageAtEnd:F2} at end"));
            if (!(load.OthersCpuFraction < MachineLoad.BusyThreshold))
            {
                output.WriteLine("WARNING: the machine was busy with other work: the figures below are pessimistic; rerun on a quiet machine");
            }
        }

        WriteRows(output, result.Figures.Select(Row).ToList());

        foreach (var section in result.Breakdown.GroupBy(entry => entry.Section))
        {
            output.WriteLine();
            output.WriteLine(section.Key);
            WriteRows(output, section.Select(entry => Row(entry.Figure)).ToList());
        }

        if (result.Notes.Count > 0)
        {
            output.WriteLine();
            foreach (var note in result.Notes)
            {
                output.WriteLine($"note: {note}");
            }
        }

        var missed = result.Figures.Where(figure => figure.Verdict == "misses").Select(figure => figure.Name).ToList();
        output.WriteLine();
        output.WriteLine(missed.Count == 0
            ? "all targets met"
            : $"{missed.Count} target(s) missed: {string.Join(", ", missed)}");
    }

    private static string[] Row(Figure figure) =>
    [
        figure.Name,
        Number.Format(figure.Value),
        figure.Unit,
        Number.Format(figure.Samples.Min),
        Number.Format(figure.Samples.Max),
        figure.Samples.Count.ToString(CultureInfo.InvariantCulture),
        figure.Target?.Describe() ?? "-",
        figure.Verdict,
    ];

    private static void WriteRows(TextWriter output, List<string[]> rows)
    {
        var widths = new int[s_headers.Length];
        foreach (var row in rows.Prepend(s_headers))
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        output.WriteLine(Line(s_headers, widths));
        output.WriteLine(string.Join("  ", widths.Select(width => new string('-', width))));
        foreach (var row in rows)
        {
            output.WriteLine(Line(row, widths));
        }
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((cell, i) => s_rightAligned[i] ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))).TrimEnd();
}
