namespace LiveUpdate.Fuzz.Tests.Region;

/// <summary>What one damaged record did: attach refused it, or attached (Check clean or reporting), or a failure.</summary>
internal sealed record FuzzResult(string Outcome, string? Failure)
{
    public static FuzzResult Refused { get; } = new("refused", null);

    public static FuzzResult Accepted { get; } = new("attached, check clean", null);

    public static FuzzResult AcceptedAndReported { get; } = new("attached, check reports", null);

    public static FuzzResult Failed(string failure) => new("failed", failure);
}
