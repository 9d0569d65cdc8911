namespace LiveUpdate.Region;

/// <summary>Called at every <see cref="FaultPoint"/>; crash tests kill the process from here. Null in production.</summary>
public interface IFaultInjector
{
    /// <summary>The engine has reached <paramref name="point"/>.</summary>
    void Reached(FaultPoint point);
}
