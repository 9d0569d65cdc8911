namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>
/// One worker life: its seed and how it dies — SIGKILL from the test <see cref="DelayMilliseconds"/> after its
/// first DONE (<see cref="Point"/> null), or SIGKILL from itself at the <see cref="Hit"/>-th hit of <see cref="Point"/>.
/// </summary>
internal sealed record CrashRound(int Number, int Seed, FaultPoint? Point, int Hit, int DelayMilliseconds)
{
    /// <inheritdoc/>
    public override string ToString() => Point is { } point
        ? $"round {Number}: worker seed {Seed}, kill at {point} hit {Hit}"
        : $"round {Number}: worker seed {Seed}, kill {DelayMilliseconds} ms after the first DONE";
}
