using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace LiveUpdate.Protocol;

/// <summary>
/// Sizes as operators write them, for the daemon's options (<c>--region-size</c>, <c>--max-contents-size</c>), luctl and
/// liveupdate-qemu alike: <c>4096</c>, <c>512M</c>, <c>16GiB</c>, <c>2MiB</c>, <c>1.5G</c>, <c>64 KiB</c>.
/// <list type="bullet">
/// <item>A number of decimal digits, optionally with one decimal point between digits (<c>1.5</c>; not <c>.5</c> or
/// <c>5.</c>). No sign, exponent, digit separator or hexadecimal.</item>
/// <item>Then, optionally after spaces, a unit; case does not matter. Every unit is binary: <c>K</c> = <c>KB</c> =
/// <c>KiB</c> = 2^10, <c>M</c> = 2^20, <c>G</c> = 2^30, <c>T</c> = 2^40, <c>P</c> = 2^50; <c>B</c> or no unit means
/// bytes.</item>
/// <item>Spaces around the whole text are ignored. The size must come out to a whole number of bytes (<c>0.5K</c> is
/// 512, <c>0.3</c> is refused) and fit in 64 bits.</item>
/// </list>
/// </summary>
public static class ByteSize
{
    /// <summary>What a size looks like, for error messages and help texts.</summary>
    public const string Examples = "e.g. 4096, 512M, 16GiB, 2MiB, 1.5G; units are binary";

    /// <summary>Parses <paramref name="text"/>; on failure, <paramref name="error"/> says why in one line, quoting the text.</summary>
    public static bool TryParse(string? text, out ulong bytes, [NotNullWhen(false)] out string? error)
    {
        bytes = 0;
        string trimmed = (text ?? string.Empty).Trim();
        if (trimmed.StartsWith('-'))
        {
            error = $"'{text}' is negative: a size is a number of bytes ({Examples})";
            return false;
        }

        int end = 0;
        while (end < trimmed.Length && (char.IsAsciiDigit(trimmed[end]) || trimmed[end] == '.'))
        {
            end++;
        }

        string number = trimmed[..end];
        string unit = trimmed[end..].TrimStart();
        int? shift = ShiftOf(unit);
        if (number.Length == 0 || number.StartsWith('.') || number.EndsWith('.')
            || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value))
        {
            error = $"'{text}' is not a size ({Examples})";
            return false;
        }

        if (shift is not { } bits)
        {
            error = $"'{text}' has an unknown unit '{unit}' (use B, K, M, G, T or P, optionally as KiB, MiB, …)";
            return false;
        }

        // decimal holds 28 significant digits: enough for any ulong, and 2^50 * anything larger overflows below.
        if (value > ulong.MaxValue >> bits)
        {
            error = $"'{text}' is too large (at most {ulong.MaxValue} bytes)";
            return false;
        }

        decimal exact = value * (1UL << bits);
        if (exact != decimal.Truncate(exact))
        {
            error = $"'{text}' is not a whole number of bytes";
            return false;
        }

        bytes = (ulong)exact;
        error = null;
        return true;
    }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> with the reason of <see cref="TryParse"/>.</summary>
    public static ulong Parse(string text) =>
        TryParse(text, out ulong bytes, out string? error) ? bytes : throw new FormatException(error);

    /// <summary>The power of two a unit stands for, or null for an unknown unit.</summary>
    private static int? ShiftOf(string unit) => unit.ToUpperInvariant() switch
    {
        "" or "B" => 0,
        "K" or "KB" or "KIB" => 10,
        "M" or "MB" or "MIB" => 20,
        "G" or "GB" or "GIB" => 30,
        "T" or "TB" or "TIB" => 40,
        "P" or "PB" or "PIB" => 50,
        _ => null,
    };
}
