using System.Globalization;
using LiveUpdate.Region.Devices;
using Xunit.Abstractions;

namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>
/// Runs corruption cases against working copies of an image, one <see cref="CorruptionLane"/> per CPU (each case
/// restores its lane's copy in place, which is what makes thousands of cases fit in seconds), and judges the outcomes.
/// </summary>
internal sealed class CorruptionHarness : IDisposable
{
    private readonly CorruptionExpectations _expect;
    private readonly CorruptionLane[] _lanes;
    private readonly List<CaseResult> _results = [];

    /// <param name="image">The pristine image (copied; never changed).</param>
    /// <param name="tree">The tree a clean attach of the image shows.</param>
    /// <param name="pending">Journal transactions a clean attach replays.</param>
    /// <param name="treeWithoutPending">The tree when the last pending transaction is dropped as a torn commit.</param>
    public CorruptionHarness(string image, IReadOnlyList<TreeEntry> tree, int pending = 0, IReadOnlyList<TreeEntry>? treeWithoutPending = null)
    {
        _expect = CorruptionExpectations.Load(image, tree, pending, treeWithoutPending);
        _lanes = [.. Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, 4)).Select(_ => new CorruptionLane(image, _expect))];
    }

    public IReadOnlyList<CaseResult> Results => _results;

    public byte[] Pristine => _expect.Pristine;

    /// <summary>The first lane's device, for tests that damage and inspect by hand.</summary>
    public RegionDevice Device => _lanes[0].Device;

    public CaseResult Run(CorruptionCase c)
    {
        var result = _lanes[0].Run(c);
        _results.Add(result);
        return result;
    }

    /// <summary>Runs the cases spread over the lanes, in parallel.</summary>
    public void RunAll(IEnumerable<CorruptionCase> cases)
    {
        var all = cases.ToList();
        var results = new CaseResult?[all.Count];
        Parallel.For(0, _lanes.Length, lane =>
        {
            for (var i = lane; i < all.Count && !_lanes[lane].Hung; i += _lanes.Length)
            {
                results[i] = _lanes[lane].Run(all[i]);
            }
        });
        _results.AddRange(results.OfType<CaseResult>());
    }

    /// <summary>Outcome counts, for the test log.</summary>
    public string Summary() =>
        string.Create(CultureInfo.InvariantCulture, $"{_results.Count} cases: ") +
        string.Join(", ", _results.GroupBy(r => r.Outcome).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")) +
        $"; {_results.Count(r => r.Failure is not null)} not allowed";

    /// <summary>
    /// Logs the outcome summary and returns every case that was not handled as required (with its case, outcome and
    /// what the engine said); a test asserts the list is empty.
    /// </summary>
    public IReadOnlyList<string> Disallowed(ITestOutputHelper output)
    {
        output.WriteLine(Summary());
        foreach (var group in _results.GroupBy(r => r.Outcome))
        {
            output.WriteLine($"  e.g. {group.Key}: {group.First().Case.Description} -> {Shorten(group.First().Detail)}");
        }

        CorruptionTotals.Add(_results);
        return _results.Where(r => r.Failure is not null)
            .Select(f => $"{f.Case.Description}: {f.Outcome}: {f.Failure} [{Shorten(f.Detail)}]")
            .ToList();
    }

    /// <summary>Cases run so far.</summary>
    public int CaseCount => _results.Count;

    public void Dispose()
    {
        foreach (var lane in _lanes)
        {
            lane.Dispose();
        }
    }

    private static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + "…";
}
