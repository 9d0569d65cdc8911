namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>How a worker life ended: exit code (137 = SIGKILL), its complete report lines, stderr, and any trailing partial line.</summary>
internal sealed record WorkerExit(int ExitCode, IReadOnlyList<string> Lines, string Stderr, int PartialBytes)
{
    /// <summary>128 + SIGKILL: how .NET reports a child killed by signal 9.</summary>
    public const int KilledExitCode = 137;

    /// <summary>True when SIGKILL ended the worker.</summary>
    public bool Killed => ExitCode == KilledExitCode;

    /// <summary>The last <paramref name="count"/> lines, for failure messages.</summary>
    public string Tail(int count = 40) => string.Join('\n', Lines.Skip(Math.Max(0, Lines.Count - count)));
}
