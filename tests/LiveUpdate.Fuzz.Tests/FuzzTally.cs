using System.Globalization;
using Xunit.Abstractions;

namespace LiveUpdate.Fuzz.Tests;

/// <summary>Counts a target's inputs by outcome and keeps the first failures with the input that caused them.</summary>
internal sealed class FuzzTally(string target)
{
    private const int KeptFailures = 10;

    private readonly SortedDictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    private readonly List<string> _failures = [];

    public int Inputs { get; private set; }

    public int FailureCount { get; private set; }

    public void Add(string outcome, string? failure, Func<string> input)
    {
        lock (_outcomes)
        {
            Inputs++;
            _outcomes[outcome] = _outcomes.GetValueOrDefault(outcome) + 1;
            if (failure is not null)
            {
                FailureCount++;
                if (_failures.Count < KeptFailures)
                {
                    _failures.Add($"input {Inputs} ({input()}): {failure}");
                }
            }
        }
    }

    /// <summary>Writes "target: N inputs, N failures (outcome counts)" and the kept failures; asserts there were none.</summary>
    public void AssertNoFailure(ITestOutputHelper output)
    {
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{target}: {Inputs} inputs, {FailureCount} failures ({string.Join(", ", _outcomes.Select(o => $"{o.Key} {o.Value}"))}; seed {FuzzBudget.RunSeed})");
        output.WriteLine(summary);
        foreach (var failure in _failures)
        {
            output.WriteLine("  " + failure);
        }

        Assert.True(Inputs > 0, $"{target}: no input ran");
        Assert.True(FailureCount == 0, summary + "\n" + string.Join('\n', _failures));
    }
}
