using System.Diagnostics;

namespace LiveUpdate.Benchmarks.Harness;

/// <summary>Warm-up, then repetitions; each call of the measurement returns one sample it timed itself.</summary>
internal static class Sampler
{
    /// <summary>
    /// Calls <paramref name="measure"/> at least <paramref name="minWarmups"/> times and for at least
    /// <paramref name="warmupTime"/> without keeping the result (the JIT tiers up, caches fill), then
    /// <paramref name="repetitions"/> times keeping each result. <paramref name="beforeEach"/> runs untimed
    /// before every call.
    /// </summary>
    public static Samples Run(int repetitions, Func<double> measure, int minWarmups = 1, TimeSpan warmupTime = default, Action? beforeEach = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repetitions);
        var warmupStarted = Stopwatch.GetTimestamp();
        for (var i = 0; i < minWarmups || Stopwatch.GetElapsedTime(warmupStarted) < warmupTime; i++)
        {
            beforeEach?.Invoke();
            measure();
        }

        var values = new double[repetitions];
        for (var i = 0; i < repetitions; i++)
        {
            beforeEach?.Invoke();
            values[i] = measure();
        }

        return new Samples(values);
    }

    /// <summary>Milliseconds <paramref name="action"/> takes.</summary>
    public static double Milliseconds(Action action)
    {
        var started = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    /// <summary>Collects garbage left by earlier work so it is not charged to the next measurement.</summary>
    public static void SettleHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
