namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>
/// The lifecycle end-to-end tests: each starts a daemon and test VMM processes, and several measure freeze timeouts, so
/// they run one at a time (and after the parallel collections) rather than compete for the machine's cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LifecycleCollection
{
    public const string Name = "Lifecycle end to end";
}
