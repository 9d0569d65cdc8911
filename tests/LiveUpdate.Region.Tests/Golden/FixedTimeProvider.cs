namespace LiveUpdate.Region.Tests.Golden;

/// <summary>A clock stopped at one instant, so that a generated region is the same bytes every time.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
