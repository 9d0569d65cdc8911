using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LiveUpdate.Region.Checking;

namespace LiveUpdate.Service.Hosting;

/// <summary>What <c>liveupdated check</c> prints: lines as <c>luctl check</c> does, or the same JSON object as its <c>--json</c>.</summary>
internal static class OfflineCheckOutput
{
    private static readonly JsonWriterOptions s_json = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The report for a person.</summary>
    public static void WriteText(TextWriter output, string region, CheckReport report, TimeSpan duration)
    {
        var repaired = report.Problems.Count(p => p.Repaired);
        output.WriteLine(report.Clean
            ? $"check: {region} is clean"
            : $"check: {region}: {report.Problems.Count} problems, {repaired} repaired"
              + (report.RepairRequested ? string.Empty : $" (run 'liveupdated check --region {region} --repair' to repair)"));
        output.WriteLine(
            $"  {report.Inodes} inodes, {report.UsedBytes} bytes used, {report.FreeBytes} free of {report.TotalBytes}; took {duration.TotalMilliseconds:0.#} ms");
        foreach (var problem in report.Problems)
        {
            output.WriteLine($"  problem: {problem}");
        }

        foreach (var note in report.Notes)
        {
            output.WriteLine($"  note: {note}");
        }
    }

    /// <summary>The report for a script: the fields of the CheckReport message under their proto names.</summary>
    public static void WriteJson(TextWriter output, CheckReport report, TimeSpan duration)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, s_json))
        {
            json.WriteStartObject();
            json.WriteBoolean("clean", report.Clean);
            json.WriteStartArray("problems");
            foreach (var problem in report.Problems)
            {
                json.WriteStartObject();
                json.WriteString("structure", problem.Structure);
                json.WriteNumber("offset", problem.Offset);
                json.WriteString("message", problem.Message);
                json.WriteBoolean("repaired", problem.Repaired);
                json.WriteString("repair_note", problem.RepairNote ?? string.Empty);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("notes");
            foreach (var note in report.Notes)
            {
                json.WriteStringValue(note);
            }

            json.WriteEndArray();
            json.WriteNumber("inodes", report.Inodes);
            json.WriteNumber("used_bytes", report.UsedBytes);
            json.WriteNumber("free_bytes", report.FreeBytes);
            json.WriteNumber("total_bytes", report.TotalBytes);
            json.WriteBoolean("repair_requested", report.RepairRequested);
            json.WriteNumber("duration_seconds", duration.TotalSeconds);
            json.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
