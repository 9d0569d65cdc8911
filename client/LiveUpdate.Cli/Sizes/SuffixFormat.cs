using System.Globalization;

namespace LiveUpdate.Cli.Sizes;

/// <summary>
/// Writes a byte count or address the way the kernel's <c>memparse()</c> and QEMU's size options read it: a decimal
/// number with the largest binary suffix that divides it exactly (<c>16G</c>, <c>4G</c>, <c>2M</c>, <c>3072M</c>,
/// <c>1T</c>), plain <c>0</c>, or bytes in hex (<c>0x1234</c>) when not even 1 KiB divides it. K, M, G, T are powers
/// of 1024 for both readers.
/// </summary>
internal static class SuffixFormat
{
    private static readonly (char Suffix, int Shift)[] s_suffixes = [('T', 40), ('G', 30), ('M', 20), ('K', 10)];

    /// <summary>The shortest exact form of <paramref name="value"/>.</summary>
    public static string Format(ulong value)
    {
        if (value == 0)
        {
            return "0";
        }

        foreach ((char suffix, int shift) in s_suffixes)
        {
            if ((value & ((1UL << shift) - 1)) == 0)
            {
                return (value >> shift).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return "0x" + value.ToString("x", CultureInfo.InvariantCulture);
    }
}
