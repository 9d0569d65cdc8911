namespace LiveUpdate.Cli.Tests.Infrastructure;

/// <summary>
/// Every test that starts processes (daemons, luctl) runs in this one collection, one at a time: on a two-core machine
/// parallel daemons would only make the timing assertions (daemon down within ~2 s) flaky.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliCollection
{
    public const string Name = "luctl processes";
}
