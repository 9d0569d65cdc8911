using System.Diagnostics;
using LiveUpdate.Client;
using LiveUpdate.Libvirt.Libvirt;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Libvirt;

/// <summary>
/// The agent's registration for one domain: follows the daemon's events for it. PREPARE_FOR_UPDATE: record, managed
/// save, ack. THAWED: start the domain it saved. RECLAIM_READY (after a planned update) with RESUMABLE: start it from
/// its managed save, once the record says the save was taken against the memory files there now.
/// </summary>
internal sealed class DomainFollower(DomainSnapshot domain, IDomainControl libvirt, LiveUpdateClient client, ManagedSaveStore store, AgentLog log)
{
    private static readonly TimeSpan s_maxRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>True while the domain is saved by this follower for a freeze that may still be thawed.</summary>
    private volatile bool _savedByUs;

    /// <summary>True while an event is being handled (a managed save or a start): the agent does not end the follower then.</summary>
    public bool Busy { get; private set; }

    /// <summary>The domain's UUID.</summary>
    public Guid Uuid => domain.Uuid;

    /// <summary>Registers and follows the events until cancelled, or until another VMM replaced this registration.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        VmmSession session = await RegisterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                VmmEvent? e;
                try
                {
                    e = await session.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (LiveUpdateException ex)
                {
                    e = null;
                    log.Domain(domain.Name, domain.Uuid, $"lost the daemon ({ex.Error})");
                }

                if (e is null)
                {
                    session.Dispose();
                    session = await RegisterAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (e.Kind == VmmEventKind.Replaced)
                {
                    log.Domain(domain.Name, domain.Uuid, $"{e.Message}; the agent no longer answers the daemon for this domain");
                    return;
                }

                Busy = true;
                try
                {
                    await HandleAsync(e, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    Busy = false;
                }
            }
        }
        finally
        {
            session.Dispose();
        }
    }

    private Task HandleAsync(VmmEvent e, CancellationToken cancellationToken) => e.Kind switch
    {
        VmmEventKind.PrepareForUpdate => FreezeAsync(cancellationToken),
        VmmEventKind.Thawed => ThawAsync(cancellationToken),
        VmmEventKind.ReclaimReady => ResumeAsync(e.Verdict, cancellationToken),
        _ => Task.CompletedTask,
    };

    /// <summary>Registers as the domain's VMM, retrying while the daemon is away (starting, reconciling) or refuses.</summary>
    private async Task<VmmSession> RegisterAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                VmmSession session = await client.RegisterVmmAsync(domain.Uuid, domain.Name, cancellationToken).ConfigureAwait(false);
                log.Domain(domain.Name, domain.Uuid, "registered");
                await ReportStaleSaveAsync(cancellationToken).ConfigureAwait(false);
                return session;
            }
            catch (LiveUpdateException e)
            {
                if (e.Error != LiveUpdateError.Unavailable)
                {
                    log.Domain(domain.Name, domain.Uuid, $"registration refused ({e.Message}); trying again");
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_maxRetryDelay.Ticks));
            }
        }
    }

    /// <summary>
    /// After each registration (a problem lives with the registration): a domain left shut off with a managed save that
    /// must not be loaded says so again, so that luctl status shows it after an agent or daemon restart too.
    /// </summary>
    private async Task ReportStaleSaveAsync(CancellationToken cancellationToken)
    {
        string? problem;
        try
        {
            if (_savedByUs || libvirt.Find(domain.Uuid) is not { IsSaved: true })
            {
                return;
            }

            problem = await store.CheckAsync(domain.Uuid, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LiveUpdateException or LibvirtException)
        {
            return;
        }

        if (problem is not null)
        {
            await TellAsync(() => client.ReportVmmProblemAsync(domain.Uuid, $"not started from its managed save: {problem}", cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>PREPARE_FOR_UPDATE: a running domain is recorded and managed-saved; a saved or stopped one has nothing to save. Then ack.</summary>
    private async Task FreezeAsync(CancellationToken cancellationToken)
    {
        string? recordPath = null;
        try
        {
            DomainSnapshot? now = libvirt.Find(domain.Uuid);
            if (now is { IsActive: true })
            {
                var started = Stopwatch.GetTimestamp();
                recordPath = await store.WriteAsync(domain.Uuid, cancellationToken).ConfigureAwait(false);
                await Task.Run(() => libvirt.ManagedSave(domain.Uuid), cancellationToken).ConfigureAwait(false);
                _savedByUs = true;
                log.Saved(domain.Name, domain.Uuid, Stopwatch.GetElapsedTime(started));
            }
            else
            {
                log.Domain(domain.Name, domain.Uuid, now is null ? "no longer defined: nothing to save" : "not running: nothing to save");
            }
        }
        catch (Exception e) when (e is LibvirtException or LiveUpdateException or InvalidOperationException)
        {
            string reason = $"liveupdate-libvirt could not managed-save domain {domain.Name}: {e.Message}";
            log.Domain(domain.Name, domain.Uuid, $"the freeze failed ({e.Message})");
            await TellAsync(() => client.FailFreezeAsync(domain.Uuid, reason, cancellationToken)).ConfigureAwait(false);
            return;
        }

        try
        {
            await client.AckFreezeAsync(domain.Uuid, recordPath, cancellationToken).ConfigureAwait(false);
        }
        catch (LiveUpdateException e)
        {
            // The freeze ended without us (timed out, thawed): THAWED follows and starts the domain again.
            log.Domain(domain.Name, domain.Uuid, $"AckFreeze refused ({e.Message}); THAWED will start the domain again");
        }
    }

    /// <summary>THAWED: the update was abandoned: the domain this follower saved starts again from its save.</summary>
    private async Task ThawAsync(CancellationToken cancellationToken)
    {
        if (_savedByUs)
        {
            await StartFromSaveAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>RECLAIM_READY: a RESUMABLE domain shut off with a managed save is started from it.</summary>
    private async Task ResumeAsync(VmVerdictKind verdict, CancellationToken cancellationToken)
    {
        DomainSnapshot? now = libvirt.Find(domain.Uuid);
        switch (ResumeDecision.Decide(verdict, now))
        {
            case ResumeAction.Start:
                await StartFromSaveAsync(cancellationToken).ConfigureAwait(false);
                break;
            case ResumeAction.NotResumable:
                log.Domain(domain.Name, domain.Uuid, $"the reconcile judged it {verdict}: not started");
                break;
            default:
                break;
        }
    }

    /// <summary>Starts the domain from its managed save once the record matches; a mismatch is refused, logged and reported to the daemon.</summary>
    private async Task StartFromSaveAsync(CancellationToken cancellationToken)
    {
        string? problem;
        try
        {
            problem = await store.CheckAsync(domain.Uuid, cancellationToken).ConfigureAwait(false);
        }
        catch (LiveUpdateException e)
        {
            problem = $"the managed-save record could not be read ({e.Message})";
        }

        if (problem is not null)
        {
            log.Refused(domain.Name, domain.Uuid, problem);
            await TellAsync(() => client.ReportVmmProblemAsync(domain.Uuid, $"not started from its managed save: {problem}", cancellationToken)).ConfigureAwait(false);
            return;
        }

        try
        {
            var started = Stopwatch.GetTimestamp();
            await Task.Run(() => libvirt.Start(domain.Uuid), cancellationToken).ConfigureAwait(false);
            _savedByUs = false;
            log.Restored(domain.Name, domain.Uuid, Stopwatch.GetElapsedTime(started));
        }
        catch (LibvirtException e)
        {
            log.Domain(domain.Name, domain.Uuid, $"could not be started: {e.Message}");
            await TellAsync(() => client.ReportVmmProblemAsync(domain.Uuid, $"could not be started: {e.Message}", cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>A call that tells the daemon something; its failure is logged, not fatal.</summary>
    private async Task TellAsync(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (LiveUpdateException e)
        {
            log.Domain(domain.Name, domain.Uuid, $"could not tell the daemon: {e.Message}");
        }
    }
}
