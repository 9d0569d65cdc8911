namespace LiveUpdate.Region.Tests.Engine;

/// <summary>A clock that starts at <see cref="Now"/> and moves on by <see cref="Step"/> every time it is read.</summary>
public sealed class SteppingClock : TimeProvider
{
    public SteppingClock(DateTimeOffset start, TimeSpan step)
    {
        Now = start;
        Step = step;
    }

    /// <summary>What the next read returns.</summary>
    public DateTimeOffset Now { get; set; }

    /// <summary>How far each read moves the clock.</summary>
    public TimeSpan Step { get; set; }

    public override DateTimeOffset GetUtcNow()
    {
        var now = Now;
        Now += Step;
        return now;
    }
}
