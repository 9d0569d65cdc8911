using System.Globalization;

namespace LiveUpdate.Region.CrashWorker;

/// <summary>One parsed line of the worker's report (see <see cref="ReportTag"/> for the forms).</summary>
public sealed record ReportLine(ReportTag Tag, long Sequence, Operation? Operation, string Text)
{
    /// <summary>Separates a FAIL line's operation from the engine's message.</summary>
    public const string MessageSeparator = " :: ";

    /// <summary>The error a FAIL line names.</summary>
    public RegionError? Error { get; init; }

    /// <summary>Formats a BEGIN or DONE line.</summary>
    public static string Format(ReportTag tag, long sequence, Operation operation) =>
        string.Create(CultureInfo.InvariantCulture, $"{TagWord(tag)} {sequence} {operation}");

    /// <summary>Formats a FAIL line; the message is flattened to one line.</summary>
    public static string FormatFail(long sequence, Operation operation, RegionError error, string message) =>
        string.Create(CultureInfo.InvariantCulture, $"FAIL {sequence} {error} {operation}{MessageSeparator}{OneLine(message)}");

    /// <summary>Formats a line whose tag is followed by free text.</summary>
    public static string FormatText(ReportTag tag, string text) => $"{TagWord(tag)} {OneLine(text)}";

    /// <summary>Parses a line written by the worker.</summary>
    public static ReportLine Parse(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var word = space < 0 ? line : line[..space];
        var rest = space < 0 ? string.Empty : line[(space + 1)..];
        var tag = word switch
        {
            "ATTACHED" => ReportTag.Attached,
            "BEGIN" => ReportTag.Begin,
            "DONE" => ReportTag.Done,
            "FAIL" => ReportTag.Fail,
            "KILL" => ReportTag.Kill,
            "NOTE" => ReportTag.Note,
            "BAD" => ReportTag.Bad,
            "EXIT" => ReportTag.Exit,
            _ => throw new FormatException($"unknown report line '{line}'"),
        };

        if (tag is ReportTag.Begin or ReportTag.Done)
        {
            var (sequence, operation) = SplitSequence(rest, line);
            return new ReportLine(tag, sequence, Operation.Parse(operation), rest);
        }

        if (tag == ReportTag.Fail)
        {
            var (sequence, tail) = SplitSequence(rest, line);
            var errorEnd = tail.IndexOf(' ', StringComparison.Ordinal);
            var messageStart = tail.IndexOf(MessageSeparator, StringComparison.Ordinal);
            if (errorEnd < 0 || messageStart < errorEnd)
            {
                throw new FormatException($"malformed FAIL line '{line}'");
            }

            return new ReportLine(tag, sequence, Operation.Parse(tail[(errorEnd + 1)..messageStart]), tail[(messageStart + MessageSeparator.Length)..])
            {
                Error = Enum.Parse<RegionError>(tail[..errorEnd]),
            };
        }

        return new ReportLine(tag, 0, null, rest);
    }

    private static (long Sequence, string Remainder) SplitSequence(string text, string line)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !long.TryParse(text.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            throw new FormatException($"expected a sequence number in '{line}'");
        }

        return (sequence, text[(space + 1)..]);
    }

    private static string TagWord(ReportTag tag) => tag switch
    {
        ReportTag.Attached => "ATTACHED",
        ReportTag.Begin => "BEGIN",
        ReportTag.Done => "DONE",
        ReportTag.Fail => "FAIL",
        ReportTag.Kill => "KILL",
        ReportTag.Note => "NOTE",
        ReportTag.Bad => "BAD",
        ReportTag.Exit => "EXIT",
        _ => throw new ArgumentOutOfRangeException(nameof(tag)),
    };

    private static string OneLine(string text) => text.ReplaceLineEndings(" | ");
}
