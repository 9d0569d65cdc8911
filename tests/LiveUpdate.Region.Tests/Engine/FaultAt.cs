namespace LiveUpdate.Region.Tests.Engine;

/// <summary>
/// Counts every <see cref="FaultPoint"/> the engine reaches and throws a <see cref="SimulatedCrashException"/>
/// the <see cref="Hit"/>-th time it reaches <see cref="Point"/>. The test then "crashes" by releasing the device
/// without disposing the region (<see cref="RegionTesting.Crash"/>), so no engine code runs after the fault.
/// </summary>
public sealed class FaultAt : IFaultInjector
{
    private readonly Dictionary<FaultPoint, int> _hits = [];

    public FaultAt(FaultPoint point, int hit = 1)
    {
        Point = point;
        Hit = hit;
    }

    /// <summary>The point that throws.</summary>
    public FaultPoint Point { get; }

    /// <summary>Which arrival at <see cref="Point"/> throws (1 = the first).</summary>
    public int Hit { get; }

    /// <summary>True once the fault has been thrown.</summary>
    public bool Fired { get; private set; }

    /// <summary>How often the engine reached <paramref name="point"/>.</summary>
    public int HitsOf(FaultPoint point) => _hits.GetValueOrDefault(point);

    public void Reached(FaultPoint point)
    {
        var hits = _hits[point] = HitsOf(point) + 1;
        if (!Fired && point == Point && hits == Hit)
        {
            Fired = true;
            throw new SimulatedCrashException(point);
        }
    }
}
