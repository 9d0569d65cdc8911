using System.Globalization;

namespace LiveUpdate.Cli.Planning;

/// <summary>One <c>memmap=SIZE!START</c> range of a kernel command line: RAM the kernel treats as persistent memory.</summary>
/// <param name="Start">The physical start address.</param>
/// <param name="Size">The length in bytes.</param>
/// <param name="Text">The range as written (<c>16G!4G</c>), without <c>memmap=</c>.</param>
internal readonly record struct MemmapRange(ulong Start, ulong Size, string Text)
{
    /// <summary>True when this range holds all of [<paramref name="start"/>, <paramref name="start"/> + <paramref name="size"/>).</summary>
    public bool Covers(ulong start, ulong size) => start >= Start && size <= Size && start - Start <= Size - size;
}

/// <summary>Reads the persistent-memory reservations of a kernel command line (<c>/proc/cmdline</c>).</summary>
internal static class KernelCommandLine
{
    /// <summary>
    /// Every <c>memmap=nn[KMGTPE]!ss[KMGTPE]</c> range of <paramref name="commandLine"/>, also from comma-separated
    /// lists (<c>memmap=4G!4G,4G!12G</c>). Other memmap forms (<c>@</c>, <c>#</c>, <c>$</c>, <c>exactmap</c>) reserve
    /// nothing persistent and are skipped, as are ranges that do not parse.
    /// </summary>
    public static IReadOnlyList<MemmapRange> PersistentRanges(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var ranges = new List<MemmapRange>();
        foreach (string word in commandLine.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (!word.StartsWith("memmap=", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (string item in word["memmap=".Length..].Split(','))
            {
                int bang = item.IndexOf('!', StringComparison.Ordinal);
                if (bang > 0 && TryMemparse(item[..bang], out ulong size) && TryMemparse(item[(bang + 1)..], out ulong start) && size > 0)
                {
                    ranges.Add(new MemmapRange(start, size, item));
                }
            }
        }

        return ranges;
    }

    /// <summary>
    /// The kernel's <c>memparse()</c>: a number in C notation (<c>0x</c> hex, leading-zero octal, else decimal) and an
    /// optional binary suffix K, M, G, T, P or E (either case). The whole text must be used.
    /// </summary>
    public static bool TryMemparse(string text, out ulong value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        int shift = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            'P' => 50,
            'E' => 60,
            _ => 0,
        };
        string number = shift == 0 ? text : text[..^1];
        bool parsed;
        if (number.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            parsed = ulong.TryParse(number.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && number.Length > 2;
        }
        else if (number.Length > 1 && number[0] == '0')
        {
            parsed = TryOctal(number.AsSpan(1), out value);
        }
        else
        {
            parsed = ulong.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }

        if (!parsed || value > ulong.MaxValue >> shift)
        {
            return false;
        }

        value <<= shift;
        return true;
    }

    private static bool TryOctal(ReadOnlySpan<char> digits, out ulong value)
    {
        value = 0;
        foreach (char c in digits)
        {
            if (c is < '0' or > '7' || value > ulong.MaxValue >> 3)
            {
                return false;
            }

            value = (value << 3) | (uint)(c - '0');
        }

        return true;
    }
}
