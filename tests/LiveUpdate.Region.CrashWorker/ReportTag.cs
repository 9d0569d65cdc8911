namespace LiveUpdate.Region.CrashWorker;

/// <summary>The first word of a report line.</summary>
public enum ReportTag
{
    /// <summary><c>ATTACHED replayed=N entries=M</c>: attach succeeded (N journal transactions replayed).</summary>
    Attached,
    /// <summary><c>BEGIN seq op</c>: the operation is about to run; after a kill it may or may not be there.</summary>
    Begin,
    /// <summary><c>DONE seq op</c>: the operation returned; it must survive any later kill.</summary>
    Done,
    /// <summary><c>FAIL seq Error op :: message</c>: the operation threw a RegionException and changed nothing.</summary>
    Fail,
    /// <summary><c>KILL point hit=K</c>: the fault injector is about to SIGKILL the worker.</summary>
    Kill,
    /// <summary><c>NOTE text</c>: something worth counting (<c>NOTE wrap</c> when the journal ring wrapped).</summary>
    Note,
    /// <summary><c>BAD text</c>: the worker saw an inconsistency itself (a failed in-process check); the test fails.</summary>
    Bad,
    /// <summary><c>EXIT ops=N</c>: the worker finished its operations and detached cleanly.</summary>
    Exit,
}
