using System.Collections.Concurrent;

namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>
/// Outcome counts over every corruption test of the run, written to the file named by the environment variable
/// LU_CORRUPTION_TOTALS when it is set (for reports; nothing reads it back).
/// </summary>
internal static class CorruptionTotals
{
    private static readonly ConcurrentDictionary<CorruptionOutcome, int> s_counts = new();
    private static readonly Lock s_lock = new();

    public static void Add(IEnumerable<CaseResult> results)
    {
        foreach (var result in results)
        {
            s_counts.AddOrUpdate(result.Outcome, 1, (_, n) => n + 1);
        }

        if (Environment.GetEnvironmentVariable("LU_CORRUPTION_TOTALS") is { Length: > 0 } path)
        {
            lock (s_lock)
            {
                File.WriteAllLines(path, s_counts.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}").Append($"total {s_counts.Values.Sum()}"));
            }
        }
    }
}
