namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>Nearest-rank percentiles of one batch of timings.</summary>
internal static class Percentile
{
    /// <summary>The <paramref name="fraction"/> percentile (0.5, 0.99) of <paramref name="values"/>, which this sorts in place.</summary>
    public static double Of(double[] values, double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Length);
        Array.Sort(values);
        var rank = (int)Math.Ceiling(fraction * values.Length);
        return values[Math.Clamp(rank - 1, 0, values.Length - 1)];
    }
}
