namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>
/// The crash loop starts child processes. fork() duplicates every descriptor the test process holds until the
/// child's exec closes it (O_CLOEXEC), and a duplicated region descriptor keeps that region's flock: another test
/// that re-opens its region in that instant would see "in use". So the crash loop never runs beside other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CrashCollection
{
    public const string Name = "crash loop (spawns processes)";
}
