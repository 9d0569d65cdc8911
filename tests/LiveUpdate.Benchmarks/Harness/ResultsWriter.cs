using System.Text.Json;

namespace LiveUpdate.Benchmarks.Harness;

/// <summary>
/// Writes <c>bench-results/SUITE.json</c> under the current directory:
/// <code>
/// { "suite", "machine": { cores, os, kernel, cpu, dotnet }, "measured_at_utc", "duration_s",
///   "machine_load": { others_cpu_fraction, load_average_start, load_average_end },
///   "figures": { name: median }, "targets": { name: { "max" | "min": bound } },
///   "verdicts": { name: "meets" | "misses" }, "details": { name: { unit, median, min, max, samples } },
///   "breakdown": { section: { name: { unit, median, min, max, samples } } }, "notes": [ ... ] }
/// </code>
/// Figure names are stable: dashboards and regressions key on them.
/// </summary>
internal static class ResultsWriter
{
    public const string DirectoryName = "bench-results";

    /// <summary>Writes the file and returns its full path.</summary>
    public static string Write(SuiteResult result, MachineInfo machine, DateTimeOffset measuredAt)
    {
        var directory = Path.Combine(Environment.CurrentDirectory, DirectoryName);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, result.Suite + ".json");
        var temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            WriteDocument(json, result, machine, measuredAt);
        }

        File.Move(temporary, path, overwrite: true);
        return path;
    }

    private static void WriteDocument(Utf8JsonWriter json, SuiteResult result, MachineInfo machine, DateTimeOffset measuredAt)
    {
        json.WriteStartObject();
        json.WriteString("suite", result.Suite);
        json.WriteStartObject("machine");
        json.WriteNumber("cores", machine.Cores);
        json.WriteString("os", machine.Os);
        json.WriteString("kernel", machine.Kernel);
        json.WriteString("cpu", machine.Cpu);
        json.WriteString("dotnet", machine.Dotnet);
        json.WriteEndObject();
        json.WriteString("measured_at_utc", measuredAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("duration_s", Math.Round(result.Duration.TotalSeconds, 1));
        if (result.Load is { } load)
        {
            json.WriteStartObject("machine_load");
            json.WriteNumber("others_cpu_fraction", Math.Round(load.OthersCpuFraction, 3));
            json.WriteNumber("load_average_start", load.LoadAverageAtStart);
            json.WriteNumber("load_average_end", load.LoadAverageAtEnd);
            json.WriteEndObject();
        }

        json.WriteStartObject("figures");
        foreach (var figure in result.Figures)
        {
            json.WriteNumber(figure.Name, Round(figure.Value));
        }

        json.WriteEndObject();

        json.WriteStartObject("targets");
        foreach (var figure in result.Figures.Where(figure => figure.Target is not null))
        {
            json.WriteStartObject(figure.Name);
            json.WriteNumber(figure.Target!.JsonKey, figure.Target.Bound);
            json.WriteEndObject();
        }

        json.WriteEndObject();

        json.WriteStartObject("verdicts");
        foreach (var figure in result.Figures.Where(figure => figure.Target is not null))
        {
            json.WriteString(figure.Name, figure.Verdict);
        }

        json.WriteEndObject();

        json.WriteStartObject("details");
        foreach (var figure in result.Figures)
        {
            WriteDetail(json, figure);
        }

        json.WriteEndObject();

        json.WriteStartObject("breakdown");
        foreach (var section in result.Breakdown.GroupBy(entry => entry.Section))
        {
            json.WriteStartObject(section.Key);
            foreach (var (_, figure) in section)
            {
                WriteDetail(json, figure);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();

        json.WriteStartArray("notes");
        foreach (var note in result.Notes)
        {
            json.WriteStringValue(note);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteDetail(Utf8JsonWriter json, Figure figure)
    {
        json.WriteStartObject(figure.Name);
        json.WriteString("unit", figure.Unit);
        json.WriteNumber("median", Round(figure.Value));
        json.WriteNumber("min", Round(figure.Samples.Min));
        json.WriteNumber("max", Round(figure.Samples.Max));
        json.WriteNumber("samples", figure.Samples.Count);
        if (figure.Note is not null)
        {
            json.WriteString("note", figure.Note);
        }

        json.WriteEndObject();
    }

    /// <summary>Six significant digits: the figures are not more precise than that, and diffs stay readable.</summary>
    private static double Round(double value)
    {
        if (value == 0 || double.IsNaN(value) || double.IsInfinity(value))
        {
            return value;
        }

        var digits = 6 - (int)Math.Floor(Math.Log10(Math.Abs(value))) - 1;
        return digits <= 0 ? Math.Round(value) : Math.Round(value, Math.Min(digits, 15));
    }
}
