using System.Globalization;

namespace LiveUpdate.Benchmarks.Harness;

/// <summary>Number formatting shared by the table and the progress log.</summary>
internal static class Number
{
    /// <summary>Four significant digits, thousands separated, invariant culture.</summary>
    public static string Format(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return value.ToString(CultureInfo.InvariantCulture);
        }

        var magnitude = Math.Abs(value);
        if (magnitude >= 1000 || value == Math.Floor(value))
        {
            return value.ToString("#,0", CultureInfo.InvariantCulture);
        }

        var decimals = magnitude >= 100 ? 1 : magnitude >= 10 ? 2 : magnitude >= 1 ? 3 : 4;
        return value.ToString("#,0." + new string('0', decimals), CultureInfo.InvariantCulture);
    }
}
