namespace LiveUpdate.Client.Internal;

/// <summary>Exponential backoff with "equal jitter": strictly growing waits that never synchronise many clients.</summary>
internal static class BackoffDelay
{
    /// <summary>
    /// The wait before retry number <paramref name="retryIndex"/> (0 for the wait after the first attempt):
    /// ceiling = min(<paramref name="maxDelay"/>, <paramref name="baseDelay"/> × 2^retryIndex), and the wait is
    /// ceiling/2 + <paramref name="random"/> × ceiling/2 with <paramref name="random"/> in [0, 1). Each wait is thus at
    /// least as long as any earlier one could have been, until the ceiling reaches <paramref name="maxDelay"/>.
    /// </summary>
    internal static TimeSpan Compute(int retryIndex, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        double exponential = baseDelay.Ticks * Math.Pow(2, Math.Clamp(retryIndex, 0, 62));
        double ceiling = Math.Min(maxDelay.Ticks, exponential);
        double half = ceiling / 2;
        return TimeSpan.FromTicks((long)(half + (Math.Clamp(random, 0, 1) * half)));
    }
}
