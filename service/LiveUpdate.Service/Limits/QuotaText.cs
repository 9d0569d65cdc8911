using System.Globalization;

namespace LiveUpdate.Service.Limits;

/// <summary>Sizes in quota messages: <c>512 B</c>, then one decimal in the largest binary unit (<c>5.0 GiB</c>).</summary>
internal static class QuotaText
{
    private static readonly string[] s_units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary><paramref name="bytes"/> as people read it.</summary>
    public static string Size(long bytes)
    {
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        var shift = Math.Min((63 - long.LeadingZeroCount(bytes)) / 10, s_units.Length);
        var value = bytes / Math.Pow(1024, shift);
        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + s_units[shift - 1];
    }
}
