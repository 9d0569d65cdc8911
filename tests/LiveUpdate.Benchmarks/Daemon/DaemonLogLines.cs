using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// The daemon's start-up log lines (simple console format, one line per message: <c>HH:mm:ss.fff info: CATEGORY[ID] text</c>)
/// and the figures it reports in them: attach time (event 102, RegionAttached), "ready N ms after start" (event 1) and
/// the start-up heap trim (event 12, HeapTrimmed).
/// </summary>
internal static partial class DaemonLogLines
{
    /// <summary>What the HeapTrimmed line reports: managed heap and resident set before and after (MiB), and the pause.</summary>
    public sealed record HeapTrim(double HeapBeforeMiB, double HeapAfterMiB, double ResidentBeforeMiB, double ResidentAfterMiB, double Milliseconds);

    /// <summary>True for the RegionAttached line.</summary>
    public static bool IsAttached(string line) => AttachedPattern().IsMatch(line);

    /// <summary>True for the Ready line.</summary>
    public static bool IsReady(string line) => ReadyPattern().IsMatch(line);

    /// <summary>The attach milliseconds the RegionAttached line reports, or null.</summary>
    public static double? AttachMilliseconds(string line) => Number(AttachedPattern().Match(line));

    /// <summary>The milliseconds since process start the Ready line reports, or null.</summary>
    public static double? ReadyMilliseconds(string line) => Number(ReadyPattern().Match(line));

    /// <summary>The first value any of <paramref name="lines"/> gives for <paramref name="read"/>, or null.</summary>
    public static double? First(IEnumerable<string> lines, Func<string, double?> read) =>
        lines.Select(read).FirstOrDefault(value => value is not null);

    /// <summary>The HeapTrimmed line's figures, or null for any other line.</summary>
    public static HeapTrim? Trim(string line)
    {
        var match = TrimPattern().Match(line);
        if (!match.Success)
        {
            return null;
        }

        double Group(int i) => double.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture);
        return new HeapTrim(Group(1), Group(2), Group(3), Group(4), Group(5));
    }

    private static double? Number(Match match) =>
        match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"\[102\] attached .* in ([0-9.]+) ms", RegexOptions.CultureInvariant)]
    private static partial Regex AttachedPattern();

    [GeneratedRegex(@"\[12\] returned start-up memory: managed heap ([0-9.]+) -> ([0-9.]+) MiB, resident ([0-9.]+) -> ([0-9.]+) MiB, in ([0-9.]+) ms",
        RegexOptions.CultureInvariant)]
    private static partial Regex TrimPattern();

    [GeneratedRegex(@"\[1\] ready ([0-9.]+) ms after start", RegexOptions.CultureInvariant)]
    private static partial Regex ReadyPattern();
}
