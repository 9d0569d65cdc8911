using System.Globalization;

namespace LiveUpdate.Fuzz.Tests;

/// <summary>
/// How many inputs each fuzz target runs, and from which seed: fixed by default so that CI runs the same bounded set
/// every time; <c>LIVEUPDATE_FUZZ_ITERATIONS</c> (inputs per target) and <c>LIVEUPDATE_FUZZ_SEED</c> change them for a
/// longer or a different soak (docs/testing.md).
/// </summary>
internal static class FuzzBudget
{
    /// <summary>The seed every target starts from unless <c>LIVEUPDATE_FUZZ_SEED</c> says otherwise.</summary>
    public const int DefaultSeed = 0x15F0_2215;

    /// <summary>The run's seed (<c>LIVEUPDATE_FUZZ_SEED</c>, or the default): what a report names, to run the same inputs again.</summary>
    public static int RunSeed => Read("LIVEUPDATE_FUZZ_SEED") ?? DefaultSeed;

    /// <summary>The number of inputs for a target whose CI budget is <paramref name="ciDefault"/>.</summary>
    public static int Iterations(int ciDefault) => Read("LIVEUPDATE_FUZZ_ITERATIONS") ?? ciDefault;

    /// <summary>The seed of a target: the run's seed mixed with the target's name, so targets draw different inputs.</summary>
    public static int Seed(string target) =>
        unchecked((RunSeed * 31) + StableHash(target));

    private static int? Read(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new InvalidOperationException($"{variable} must be a positive integer, not '{text}'")
            : null;

    /// <summary>string.GetHashCode is randomized per process; the seed must not be.</summary>
    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash;
    }
}
