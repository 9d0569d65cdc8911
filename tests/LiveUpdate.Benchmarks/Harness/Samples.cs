namespace LiveUpdate.Benchmarks.Harness;

/// <summary>Repeated measurements of one quantity; the reported value is the median.</summary>
internal sealed class Samples
{
    private readonly double[] _sorted;

    public Samples(IEnumerable<double> values)
    {
        _sorted = [.. values];
        if (_sorted.Length == 0)
        {
            throw new ArgumentException("no samples", nameof(values));
        }

        Array.Sort(_sorted);
    }

    /// <summary>One exact value (a count or a size, not a timing).</summary>
    public static Samples Exact(double value) => new([value]);

    public int Count => _sorted.Length;

    public double Min => _sorted[0];

    public double Max => _sorted[^1];

    /// <summary>The middle value; the mean of the two middle values for an even count.</summary>
    public double Median => _sorted.Length % 2 == 1
        ? _sorted[_sorted.Length / 2]
        : (_sorted[(_sorted.Length / 2) - 1] + _sorted[_sorted.Length / 2]) / 2;

    public IReadOnlyList<double> Values => _sorted;

    /// <summary>Applies <paramref name="transform"/> to every sample (a time into a rate, say).</summary>
    public Samples Select(Func<double, double> transform) => new(_sorted.Select(transform));
}
