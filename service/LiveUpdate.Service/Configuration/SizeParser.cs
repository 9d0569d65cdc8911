using System.Globalization;

namespace LiveUpdate.Service.Configuration;

/// <summary>Parses sizes such as <c>512M</c>, <c>16GiB</c>, <c>1073741824</c> (binary units).</summary>
internal static class SizeParser
{
    /// <summary>Bytes in <paramref name="text"/>; throws <see cref="FormatException"/> with the accepted forms.</summary>
    public static long Parse(string text)
    {
        var trimmed = text.Trim();
        var digits = 0;
        while (digits < trimmed.Length && char.IsAsciiDigit(trimmed[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(trimmed.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new FormatException($"'{text}' is not a size (examples: 512M, 16GiB, 1073741824)");
        }

        var shift = trimmed[digits..].ToUpperInvariant() switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            "T" or "TB" or "TIB" => 40,
            _ => throw new FormatException($"'{text}' has an unknown unit (use K, M, G, T, optionally with iB)"),
        };
        if (number > long.MaxValue >> shift)
        {
            throw new FormatException($"'{text}' is too large");
        }

        return number << shift;
    }
}
