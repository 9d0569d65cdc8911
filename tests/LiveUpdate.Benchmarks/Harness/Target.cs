namespace LiveUpdate.Benchmarks.Harness;

/// <summary>A figure's goal, from the issue that asked for it.</summary>
internal sealed record Target(TargetKind Kind, double Bound)
{
    public static Target AtMost(double bound) => new(TargetKind.AtMost, bound);

    public static Target AtLeast(double bound) => new(TargetKind.AtLeast, bound);

    public bool IsMetBy(double value) => Kind == TargetKind.AtMost ? value <= Bound : value >= Bound;

    /// <summary>"&lt;= 20" or "&gt;= 200,000".</summary>
    public string Describe() =>
        (Kind == TargetKind.AtMost ? "<= " : ">= ") + Number.Format(Bound);

    /// <summary>The JSON key: "max" for <see cref="TargetKind.AtMost"/>, "min" for <see cref="TargetKind.AtLeast"/>.</summary>
    public string JsonKey => Kind == TargetKind.AtMost ? "max" : "min";
}
