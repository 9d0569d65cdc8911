namespace LiveUpdate.Benchmarks.Harness;

/// <summary>Which side of <see cref="Target.Bound"/> a figure must be on.</summary>
internal enum TargetKind
{
    /// <summary>The figure must be at most the bound (times, bytes, ratios of costs).</summary>
    AtMost,

    /// <summary>The figure must be at least the bound (rates, fractions).</summary>
    AtLeast,
}
