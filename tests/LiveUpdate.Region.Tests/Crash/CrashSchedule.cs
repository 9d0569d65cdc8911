namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>
/// Decides how each worker life ends: a third of the kills at a random moment (5–300 ms after the first DONE),
/// the rest at the named fault points, always the point with the fewest kills so far, walking through a list of
/// hit counts K per point (K = 1 and 2 of the superblock points land inside attach itself). A K the worker does
/// not reach within its operations is a survived round: verified like the others, but not counted as a kill.
/// </summary>
internal sealed class CrashSchedule(Random random)
{
    public const int MinDelayMilliseconds = 5;
    public const int MaxDelayMilliseconds = 300;

    private static readonly Dictionary<FaultPoint, int[]> s_hits = new()
    {
        [FaultPoint.DataZeroed] = [1, 2, 3, 5, 9, 17, 40, 90, 200],
        [FaultPoint.JournalTorn] = [1, 2, 3, 5, 10, 30, 100, 300, 1000, 3000],
        [FaultPoint.JournalWritten] = [1, 2, 3, 5, 10, 30, 100, 300, 1000, 3000],
        [FaultPoint.ApplyPartial] = [1, 2, 3, 4, 6, 9, 14],
        [FaultPoint.Applied] = [1, 2, 3, 5, 10, 30, 100, 300, 1000, 3000],
        [FaultPoint.SuperblockTorn] = [1, 2, 3, 4, 5, 6, 8],
        [FaultPoint.SuperblockWritten] = [1, 2, 3, 4, 5, 6, 8],
    };

    /// <summary>
    /// The fault points the files workload reaches (<see cref="FaultPoint.ContentsStaged"/> is only in contents
    /// replacements: ContentsCrashTests).
    /// </summary>
    public static IReadOnlyCollection<FaultPoint> Points => s_hits.Keys;

    /// <summary>The plan for the next worker life.</summary>
    public CrashRound Next(int number, CrashTally tally)
    {
        var seed = random.Next();
        if (tally.RandomTimeKills * 3 <= tally.Kills)
        {
            return new CrashRound(number, seed, null, 0, random.Next(MinDelayMilliseconds, MaxDelayMilliseconds + 1));
        }

        var point = Points.MinBy(tally.KillsAt);
        var hits = s_hits[point];
        return new CrashRound(number, seed, point, hits[tally.AttemptsAt(point) % hits.Length], 0);
    }
}
