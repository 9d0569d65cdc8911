namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>What happened to one <see cref="CorruptionCase"/>; <see cref="Failure"/> is null when that was allowed.</summary>
public sealed record CaseResult(CorruptionCase Case, CorruptionOutcome Outcome, string Detail, string? Failure);
