namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>What a test VMM printed and how it ended, for one that ran to its end (<c>reclaim</c>).</summary>
/// <param name="ExitCode">0 on success, 3 when a file did not verify.</param>
/// <param name="Lines">Its stdout, one step per line.</param>
/// <param name="Transcript">Stdout and stderr, for failure messages.</param>
internal sealed record VmmOutcome(int ExitCode, IReadOnlyList<string> Lines, string Transcript);
