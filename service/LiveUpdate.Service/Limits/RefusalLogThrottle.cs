namespace LiveUpdate.Service.Limits;

/// <summary>
/// Says when a refusal is worth a log line: the first for a uid, then at most one per <see cref="Interval"/> with the
/// number left out in between, so that a flood of refused connections costs the journal a line now and then and the
/// daemon no queue of log messages. Thread-safe.
/// </summary>
internal sealed class RefusalLogThrottle(TimeProvider time)
{
    /// <summary>The least time between two log lines about one uid.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly Dictionary<uint, (DateTimeOffset Logged, int Suppressed)> _byUid = [];

    /// <summary>True when a refusal of <paramref name="uid"/> should be logged now; <paramref name="suppressed"/> says how many were not since the last.</summary>
    public bool ShouldLog(uint uid, out int suppressed)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_byUid.TryGetValue(uid, out var last) && now - last.Logged < Interval)
            {
                _byUid[uid] = (last.Logged, last.Suppressed + 1);
                suppressed = 0;
                return false;
            }

            if (_byUid.Count >= 4096)
            {
                _byUid.Clear(); // bounded: at worst a uid is logged again sooner
            }

            suppressed = last.Suppressed;
            _byUid[uid] = (now, 0);
            return true;
        }
    }
}
