namespace LiveUpdate.Benchmarks.Harness;

/// <summary>One named result: its samples, unit, and goal (none for figures reported for context).</summary>
internal sealed record Figure(string Name, Samples Samples, string Unit, Target? Target = null, string? Note = null)
{
    /// <summary>The value reported: the median of the samples.</summary>
    public double Value => Samples.Median;

    /// <summary>"meets", "misses", or "info" when there is no target.</summary>
    public string Verdict => Target is null ? "info" : Target.IsMetBy(Value) ? "meets" : "misses";
}
