using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace LiveUpdate.Cli.Sizes;

/// <summary>
/// Reads durations and ages: <c>0</c>, <c>500ms</c>, <c>30s</c>, <c>1.5s</c>, <c>30m</c>, <c>12h</c>, <c>7d</c>,
/// <c>2w</c>, and sums such as <c>1h30m</c>. A number needs a unit (ms, s, m, h, d, w), except a plain <c>0</c>, so
/// that <c>--older-than 7</c> cannot silently mean seven seconds.
/// </summary>
internal static class AgeParser
{
    /// <summary>The longest duration accepted: 100 years.</summary>
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(36_525);

    /// <summary>What a duration looks like, for error messages.</summary>
    public const string Examples = "e.g. 0, 500ms, 30s, 30m, 12h, 7d, 1h30m";

    /// <summary>Parses <paramref name="text"/>; on failure, <paramref name="error"/> says why in one line.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, [NotNullWhen(false)] out string? error)
    {
        duration = TimeSpan.Zero;
        string trimmed = (text ?? string.Empty).Trim();
        if (trimmed.StartsWith('-'))
        {
            error = $"'{text}' is negative ({Examples})";
            return false;
        }

        if (trimmed.Length == 0)
        {
            error = $"'{text}' is not a duration ({Examples})";
            return false;
        }

        if (trimmed.All(char.IsAsciiDigit) && trimmed.Any(c => c != '0'))
        {
            error = $"'{text}' has no unit: write {trimmed}d, {trimmed}h, {trimmed}m or {trimmed}s";
            return false;
        }

        if (trimmed.All(c => c == '0'))
        {
            error = null;
            return true;
        }

        decimal total = 0; // in milliseconds
        int i = 0;
        while (i < trimmed.Length)
        {
            int start = i;
            while (i < trimmed.Length && (char.IsAsciiDigit(trimmed[i]) || trimmed[i] == '.'))
            {
                i++;
            }

            int unitStart = i;
            while (i < trimmed.Length && char.IsAsciiLetter(trimmed[i]))
            {
                i++;
            }

            string number = trimmed[start..unitStart];
            decimal? unit = MillisecondsPer(trimmed[unitStart..i]);
            if (number.Length == 0 || number.Length > 20 || unit is null
                || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value))
            {
                error = $"'{text}' is not a duration ({Examples})";
                return false;
            }

            total += value * unit.Value;
            if (total > (decimal)Maximum.TotalMilliseconds)
            {
                error = $"'{text}' is too long (at most 36525d)";
                return false;
            }
        }

        duration = TimeSpan.FromMilliseconds((double)total);
        error = null;
        return true;
    }

    /// <summary>Milliseconds in one <paramref name="unit"/>, or null for an unknown or missing unit.</summary>
    private static decimal? MillisecondsPer(string unit) => unit.ToLowerInvariant() switch
    {
        "ms" => 1m,
        "s" => 1_000m,
        "m" or "min" => 60_000m,
        "h" => 3_600_000m,
        "d" => 86_400_000m,
        "w" => 604_800_000m,
        _ => null,
    };
}
