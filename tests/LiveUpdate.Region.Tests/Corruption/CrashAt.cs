namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>Simulates the daemon dying at one <see cref="FaultPoint"/> once armed, by throwing out of the engine.</summary>
internal sealed class CrashAt(FaultPoint crashPoint) : IFaultInjector
{
    public bool Armed { get; set; }

    public void Reached(FaultPoint point)
    {
        if (Armed && point == crashPoint)
        {
            Armed = false;
            throw new SimulatedCrash();
        }
    }

    /// <summary>Thrown where the process would have died.</summary>
    public sealed class SimulatedCrash : Exception
    {
        public SimulatedCrash()
            : base("simulated crash")
        {
        }
    }
}
