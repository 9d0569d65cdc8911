using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// The daemon's start-up log lines (simple console format, one line per message: <c>HH:mm:ss.fff info: CATEGORY[ID] text</c>)
/// and the figures it reports in them: attach time (event 102, RegionAttached) and "ready N ms after start" (event 1).
/// </summary>
internal static partial class DaemonLogLines
{
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

    private static double? Number(Match match) =>
        match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"\[102\] attached .* in ([0-9.]+) ms", RegexOptions.CultureInvariant)]
    private static partial Regex AttachedPattern();

    [GeneratedRegex(@"\[1\] ready ([0-9.]+) ms after start", RegexOptions.CultureInvariant)]
    private static partial Regex ReadyPattern();
}
