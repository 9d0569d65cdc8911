using System.Globalization;
using LiveUpdate.Region.CrashWorker;

namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>Counts what the crash loop did, for the test's output.</summary>
internal sealed class CrashTally
{
    private readonly Dictionary<FaultPoint, PointTally> _points = CrashSchedule.Points.ToDictionary(p => p, _ => new PointTally());
    private readonly Dictionary<RegionError, int> _failures = [];
    private long _workerMilliseconds;

    public int Kills { get; private set; }

    public int RandomTimeKills { get; private set; }

    public int Rounds { get; private set; }

    public int KillsAt(FaultPoint point) => _points[point].Kills;

    public int AttemptsAt(FaultPoint point) => _points[point].Attempts;

    private int Survived { get; set; }

    private int Deferred { get; set; }

    private int Verified { get; set; }

    private int ReplayingAttaches { get; set; }

    private long Replayed { get; set; }

    private int InFlightPresent { get; set; }

    private int InFlightAbsent { get; set; }

    private int KilledBeforeFirstOperation { get; set; }

    private int Wraps { get; set; }

    private long Done { get; set; }

    private int MaxExtents { get; set; }

    private int MaxOverflowFiles { get; set; }

    private int MaxFiles { get; set; }

    private long MaxInodeSlots { get; set; }

    public void RecordRound(CrashRound round, WorkerExit exit, IReadOnlyList<ReportLine> lines, TimeSpan life)
    {
        Rounds++;
        _workerMilliseconds += (long)life.TotalMilliseconds;
        Done += lines.Count(l => l.Tag == ReportTag.Done);
        Wraps += lines.Count(l => l.Tag == ReportTag.Note && l.Text.StartsWith("wrap", StringComparison.Ordinal));
        foreach (var failure in lines.Where(l => l.Tag == ReportTag.Fail))
        {
            _failures[failure.Error!.Value] = _failures.GetValueOrDefault(failure.Error!.Value) + 1;
        }

        if (!lines.Any(l => l.Tag == ReportTag.Begin) && exit.Killed)
        {
            KilledBeforeFirstOperation++;
        }

        if (round.Point is { } point)
        {
            var tally = _points[point];
            tally.Attempts++;
            (exit.Killed ? tally.KilledHits : tally.SurvivedHits).Add(round.Hit);
            if (exit.Killed)
            {
                tally.Kills++;
            }
        }
        else if (exit.Killed)
        {
            RandomTimeKills++;
        }

        if (exit.Killed)
        {
            Kills++;
        }
        else
        {
            Survived++;
        }
    }

    public void RecordDeferred() => Deferred++;

    public void RecordVerified(RegionAfterCrash found, bool? inFlightApplied)
    {
        Verified++;
        if (found.Replayed > 0)
        {
            ReplayingAttaches++;
            Replayed += found.Replayed;
        }

        if (inFlightApplied is true)
        {
            InFlightPresent++;
        }
        else if (inFlightApplied is false)
        {
            InFlightAbsent++;
        }

        MaxExtents = Math.Max(MaxExtents, found.MaxExtents);
        MaxOverflowFiles = Math.Max(MaxOverflowFiles, found.OverflowFiles);
        MaxFiles = Math.Max(MaxFiles, found.Files);
        MaxInodeSlots = Math.Max(MaxInodeSlots, found.InodeSlots);
    }

    public IEnumerable<string> Summary(TimeSpan elapsed)
    {
        var culture = CultureInfo.InvariantCulture;
        yield return string.Create(culture, $"{Kills} kills in {Rounds} worker lives, {elapsed.TotalSeconds:F1} s ({(double)_workerMilliseconds / Math.Max(1, Rounds):F0} ms per life on average)");
        yield return string.Create(culture, $"  random moment ({CrashSchedule.MinDelayMilliseconds}-{CrashSchedule.MaxDelayMilliseconds} ms after the first DONE): {RandomTimeKills} kills");
        foreach (var (point, tally) in _points)
        {
            yield return string.Create(culture,
                $"  {point,-17} {tally.Kills,5} kills (K = {string.Join(",", tally.KilledHits)}){(tally.SurvivedHits.Count > 0 ? $"; not reached at K = {string.Join(",", tally.SurvivedHits)}" : "")}");
        }

        yield return string.Create(culture, $"  lives that ran all their operations (K not reached): {Survived}; killed before their first operation (inside attach): {KilledBeforeFirstOperation}");
        yield return string.Create(culture, $"verified attaches: {Verified} ({ReplayingAttaches} replayed the journal, {Replayed} transactions in all); left for the next worker to recover: {Deferred}");
        yield return string.Create(culture, $"operation in flight at the kill: present afterwards {InFlightPresent} times, absent {InFlightAbsent} times");
        yield return string.Create(culture, $"operations done: {Done}; refused: {string.Join(", ", _failures.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"))}");
        yield return string.Create(culture, $"journal ring wraps inside a worker life: {Wraps}; most extents in one file: {MaxExtents}; most files with overflow extent blocks at once: {MaxOverflowFiles}; most files: {MaxFiles}; inode slots at the end: {MaxInodeSlots}");
    }

    private sealed class PointTally
    {
        public int Kills { get; set; }

        public int Attempts { get; set; }

        public SortedSet<int> KilledHits { get; } = [];

        public SortedSet<int> SurvivedHits { get; } = [];
    }
}
