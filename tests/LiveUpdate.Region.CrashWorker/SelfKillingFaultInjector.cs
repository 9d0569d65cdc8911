namespace LiveUpdate.Region.CrashWorker;

/// <summary>
/// Kills the worker with SIGKILL the <paramref name="hit"/>-th time the engine reaches <paramref name="point"/>
/// (hits during attach count too), after reporting <c>KILL point hit=K</c> so the test knows the death was
/// this one and not a crash. Nothing of the engine runs after the fault point: the process is gone.
/// </summary>
internal sealed class SelfKillingFaultInjector(FaultPoint point, int hit, ReportWriter report) : IFaultInjector
{
    private int _hits;

    public void Reached(FaultPoint reached)
    {
        if (reached != point || ++_hits != hit)
        {
            return;
        }

        report.Write(ReportLine.FormatText(ReportTag.Kill, $"{point} hit={hit}"));
        UnixSignals.KillSelf();
    }
}
