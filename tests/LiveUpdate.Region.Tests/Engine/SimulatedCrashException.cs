namespace LiveUpdate.Region.Tests.Engine;

/// <summary>Thrown by <see cref="FaultAt"/>: the engine "died" at a fault point.</summary>
public sealed class SimulatedCrashException : Exception
{
    public SimulatedCrashException()
    {
    }

    public SimulatedCrashException(string message)
        : base(message)
    {
    }

    public SimulatedCrashException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public SimulatedCrashException(FaultPoint point)
        : base($"simulated crash at {point}")
    {
        Point = point;
    }

    /// <summary>Where the engine died.</summary>
    public FaultPoint Point { get; }
}
