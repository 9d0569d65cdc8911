using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace LiveUpdate.Cli.Output;

/// <summary>Values as people read them in luctl's tables: sizes in binary units, short durations, UTC times.</summary>
internal static class Humanize
{
    private static readonly string[] s_units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary><c>512 B</c>, <c>4.0 KiB</c>, <c>16.0 GiB</c>, <c>1.5 TiB</c>: one decimal from KiB up.</summary>
    public static string Size(ulong bytes)
    {
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < s_units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        // 1023.96 KiB would round to "1024.0 KiB": show it as the next unit instead.
        if (Math.Round(value, 1) >= 1024 && unit < s_units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + s_units[unit];
    }

    /// <summary><c>0 s</c>, <c>850 µs</c>, <c>12 ms</c>, <c>1.50 s</c>, <c>2 min 5 s</c>, <c>12 h</c>, <c>7 d</c>, <c>1 d 6 h</c>.</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0 s";
        }

        if (duration < TimeSpan.FromMilliseconds(1))
        {
            return ((long)duration.TotalMicroseconds).ToString(CultureInfo.InvariantCulture) + " µs";
        }

        if (duration < TimeSpan.FromSeconds(1))
        {
            return ((long)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";
        }

        if (duration < TimeSpan.FromMinutes(1))
        {
            return duration.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
        }

        (long major, string majorUnit, long minor, string minorUnit) = duration switch
        {
            { TotalDays: >= 1 } => ((long)duration.TotalDays, "d", (long)duration.Hours, "h"),
            { TotalHours: >= 1 } => ((long)duration.TotalHours, "h", (long)duration.Minutes, "min"),
            _ => ((long)duration.TotalMinutes, "min", (long)duration.Seconds, "s"),
        };
        return minor == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{major} {majorUnit}")
            : string.Create(CultureInfo.InvariantCulture, $"{major} {majorUnit} {minor} {minorUnit}");
    }

    /// <summary>A protobuf duration as <see cref="Duration(TimeSpan)"/>; "-" when it is not set.</summary>
    public static string Duration(Google.Protobuf.WellKnownTypes.Duration? duration) =>
        duration is null ? "-" : Duration(duration.ToTimeSpan());

    /// <summary><c>2026-03-01 02:59:58Z</c> (UTC); "-" when not set.</summary>
    public static string Time(Timestamp? timestamp) =>
        timestamp is null || (timestamp.Seconds == 0 && timestamp.Nanos == 0)
            ? "-"
            : timestamp.ToDateTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>0x100000000</c>.</summary>
    public static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>A plain decimal.</summary>
    public static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>yes</c> or <c>no</c>.</summary>
    public static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>The text, or "-" when it is empty.</summary>
    public static string OrDash(string? text) => string.IsNullOrEmpty(text) ? "-" : text;

    /// <summary>An octal file mode: <c>0600</c>.</summary>
    public static string Mode(uint mode) => "0" + Convert.ToString(mode & 0xFFF, 8).PadLeft(3, '0');

    /// <summary>"1 extent", "3 extents", "2 directories" (<paramref name="plural"/> when adding an s will not do).</summary>
    public static string Count(long count, string noun, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? noun : plural ?? noun + "s")}");
}
