using System.Buffers;
using System.Globalization;
using System.Text;

namespace LiveUpdate.Cli.Output;

/// <summary>
/// Text as luctl shows it to a terminal: every character that does not print (C0 and C1 controls, DEL, format
/// characters such as bidirectional overrides, line and paragraph separators, unassigned code points) is written as an
/// escape, so that a name in the region can neither fake lines of a listing nor send a terminal escape sequence.
/// Backslashes are left as they are (luctl prints shell line continuations).
/// </summary>
internal static class Printable
{
    /// <summary><paramref name="text"/> with its unprintable characters escaped: <c>\n</c>, <c>\x1b</c>, <c>\u0085</c>.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text) || IsPrintable(text))
        {
            return text ?? string.Empty;
        }

        var escaped = new StringBuilder(text.Length + 8);
        Append(escaped, text);
        return escaped.ToString();
    }

    /// <summary>Appends <paramref name="text"/> to <paramref name="destination"/>, escaped.</summary>
    public static void Append(StringBuilder destination, ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(text, out var rune, out var used) != OperationStatus.Done)
            {
                destination.Append(CultureInfo.InvariantCulture, $"\\u{(int)text[0]:x4}"); // a lone surrogate
                text = text[1..];
                continue;
            }

            if (Prints(rune))
            {
                destination.Append(text[..used]);
            }
            else
            {
                AppendEscape(destination, rune.Value);
            }

            text = text[used..];
        }
    }

    private static bool IsPrintable(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(text, out var rune, out var used) != OperationStatus.Done || !Prints(rune))
            {
                return false;
            }

            text = text[used..];
        }

        return true;
    }

    private static bool Prints(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse => false,
        _ => true,
    };

    private static void AppendEscape(StringBuilder destination, int value)
    {
        switch (value)
        {
            case '\a': destination.Append("\\a"); break;
            case '\b': destination.Append("\\b"); break;
            case '\t': destination.Append("\\t"); break;
            case '\n': destination.Append("\\n"); break;
            case '\v': destination.Append("\\v"); break;
            case '\f': destination.Append("\\f"); break;
            case '\r': destination.Append("\\r"); break;
            default:
                destination.Append(value switch
                {
                    < 0x80 => "\\x" + value.ToString("x2", CultureInfo.InvariantCulture),
                    <= 0xFFFF => "\\u" + value.ToString("x4", CultureInfo.InvariantCulture),
                    _ => "\\U" + value.ToString("x8", CultureInfo.InvariantCulture),
                });
                break;
        }
    }
}
