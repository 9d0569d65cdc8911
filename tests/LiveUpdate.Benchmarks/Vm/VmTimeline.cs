namespace LiveUpdate.Benchmarks.Vm;

/// <summary>One VM's part of a round, as its supervisor logged it and as its serial log shows it from outside.</summary>
/// <param name="Started">The fresh start's "started fresh" line.</param>
/// <param name="StartToFirstTickMs">The fresh supervisor's Process.Start to the guest's first TICK.</param>
/// <param name="Frozen">The "frozen in" line.</param>
/// <param name="Resumed">The restarted supervisor's "resumed in" line.</param>
/// <param name="StartToNextTickMs">The restarted supervisor's Process.Start to the guest's next TICK (same boot, count continuing).</param>
internal sealed record VmTimeline(
    SupervisorLogLines.Started Started,
    double StartToFirstTickMs,
    SupervisorLogLines.Frozen Frozen,
    SupervisorLogLines.Resumed Resumed,
    double StartToNextTickMs);
