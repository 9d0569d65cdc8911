namespace LiveUpdate.Qemu.Tests.RealQemu;

/// <summary>The real-QEMU tests run one at a time: each emulates guests under TCG, and the machines have 2 cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealQemuCollection
{
    public const string Name = "RealQemu";
}
