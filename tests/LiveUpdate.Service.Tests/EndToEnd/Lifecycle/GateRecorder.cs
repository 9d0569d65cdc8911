namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>
/// What the freeze-under-load test knows about the freeze, as the mutating clients see it: whether Freeze has been
/// called (a refusal before that is a bug), and whether it has returned FROZEN (a mutation started after that must not
/// succeed).
/// </summary>
internal sealed class GateRecorder
{
    private volatile bool _freezeCalled;
    private volatile bool _frozen;

    /// <summary>True once the test is about to call Freeze.</summary>
    public bool FreezeCalled => _freezeCalled;

    /// <summary>True once Freeze has returned FROZEN.</summary>
    public bool Frozen => _frozen;

    public void OnFreezeCalled() => _freezeCalled = true;

    public void OnFrozen() => _frozen = true;
}
