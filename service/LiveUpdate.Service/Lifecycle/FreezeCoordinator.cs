using LiveUpdate.Region;
using LiveUpdate.Service.Handout;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Observability;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>
/// The freeze barrier (docs/design.md §7): close the gate (FREEZING in the superblock, taken under the mutation lock so in-flight
/// mutations have finished), revoke read-write tokens, send PREPARE_FOR_UPDATE, wait until every VMM registered at the
/// start (or since) has acked, then seal (FROZEN, generation bumped). A timeout without force, a Thaw, the Freeze
/// caller going away, or a VMM that reports it could not save (AckFreeze with a failure) aborts back to ACTIVE and sends
/// THAWED. One freeze at a time. Before anything changes, a freeze without force refuses (FAILED_PRECONDITION) while a
/// process that nothing pauses holds guest memory (<see cref="FreezeSafety"/>); with force it proceeds and names them.
/// </summary>
internal sealed class FreezeCoordinator(
    RegionHost regionHost,
    LifecycleGate gate,
    VmmRegistry vmms,
    HandoutTokens tokens,
    FreezeSafety safety,
    TimeProvider time,
    ILogger<FreezeCoordinator> logger)
{
    /// <summary>The default and the longest wait for acks.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest timeout a Freeze may ask for.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    private readonly Lock _lock = new();
    private FreezeRun? _running;

    /// <summary>Runs a freeze, writing progress to <paramref name="progress"/>; returns its last message.</summary>
    public async Task<FreezeProgress> FreezeAsync(TimeSpan timeout, bool force, Func<FreezeProgress, Task> progress, CancellationToken cancellationToken)
    {
        var region = regionHost.RequireAttached();
        using var run = new FreezeRun(time.GetTimestamp());
        lock (_lock)
        {
            if (_running is not null)
            {
                throw new DaemonException(DaemonError.WrongState, "a freeze is already running");
            }

            gate.DemandNotReconciling();
            if (gate.State != LifecycleState.Active)
            {
                throw new DaemonException(DaemonError.WrongState,
                    $"the host is {gate.StateName}: only an ACTIVE host can freeze (luctl thaw abandons a freeze or a sealed update)");
            }

            _running = run;
        }

        try
        {
            var uncovered = safety.Uncovered();
            if (uncovered.Count > 0 && !force)
            {
                throw new DaemonException(DaemonError.WrongState, RefusalFor(uncovered));
            }

            return await RunAsync(region, run, timeout, force, uncovered, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _running = null;
            }
        }
    }

    /// <summary>Asks a running freeze, if any, to abort (the daemon is stopping).</summary>
    public void AbortRunning(string reason)
    {
        lock (_lock)
        {
            _running?.RequestAbort(reason);
        }
    }

    /// <summary>
    /// The VMM of <paramref name="registration"/> could not pause its VM or save its device state: aborts the running
    /// freeze at once, naming the VM and <paramref name="reason"/> in its final message, and waits until it is back to
    /// ACTIVE (THAWED sent to every VMM). FAILED_PRECONDITION when no freeze is running.
    /// </summary>
    public async Task FailAsync(VmmRegistration registration, string reason)
    {
        FreezeRun? running;
        lock (_lock)
        {
            running = _running;
        }

        if (running is null)
        {
            throw new DaemonException(DaemonError.WrongState, "no freeze is running");
        }

        LifecycleLog.FailedByVmm(logger, registration.VmUuid, registration.Name, reason);
        running.RequestAbort($"VM {registration.VmUuid} ({registration.Name}) could not pause or save its device state: {reason}");
        await running.Finished.ConfigureAwait(false);
    }

    /// <summary>
    /// Abandons the running freeze (and waits for it to end) or a sealed one: back to ACTIVE, THAWED sent. Returns the
    /// state found. FAILED_PRECONDITION while reconciling.
    /// </summary>
    public async Task<LifecycleState> ThawAsync()
    {
        FreezeRun? running;
        lock (_lock)
        {
            running = _running;
        }

        if (running is not null)
        {
            running.RequestAbort("thawed by an operator");
            await running.Finished.ConfigureAwait(false);
            return LifecycleState.Freezing;
        }

        var region = regionHost.RequireAttached();
        LifecycleState found;
        lock (regionHost.Mutations)
        {
            found = gate.State;
            switch (found)
            {
                case LifecycleState.Active:
                    return found;
                case LifecycleState.Frozen:
                    gate.TransitionTo(region, LifecycleState.Active);
                    break;
                default:
                    throw new DaemonException(DaemonError.WrongState,
                        $"the host is {found.ToString().ToUpperInvariant()}: nothing to thaw (a reconcile ends by itself; see luctl status)");
            }
        }

        LifecycleLog.Thawed(logger, found);
        vmms.ResetAcks();
        vmms.Broadcast(_ => VmmEvent.Of(VmmEventKind.Thawed, region, "the update was abandoned: resume the VM"));
        return found;
    }

    private static string RefusalFor(IReadOnlyList<DescriptorHolder> uncovered) =>
        $"cannot freeze: {FreezeSafety.Describe(uncovered)}: not the registered VMM of that VM nor a child of one, so the freeze " +
        "would not pause it; stop it or run it under the VM's registered VMM (a freeze proceeds once it has exited), or freeze with force";

    private async Task<FreezeProgress> RunAsync(
        PersistentRegion region, FreezeRun run, TimeSpan timeout, bool force, IReadOnlyList<DescriptorHolder> uncovered,
        Func<FreezeProgress, Task> progress, CancellationToken cancellationToken)
    {
        FreezeProgress last;
        void OnChanged() => run.Signal();
        vmms.Changed += OnChanged;
        try
        {
            var draining = "closing the gate: new mutations are refused; waiting for in-flight ones";
            if (uncovered.Count > 0)
            {
                var named = FreezeSafety.Describe(uncovered);
                DescriptorHolderLog.FreezeDespiteHolders(logger, named);
                draining = $"by force although unregistered processes hold guest memory ({named}); {draining}";
            }

            await Report(progress, last = Progress(run, FreezePhase.Draining, draining,
                region, pending: vmms.Snapshot().Where(v => v.Connected))).ConfigureAwait(false);

            // Taking the mutation lock waits for every in-flight mutation; under it the gate closes for the next ones.
            lock (regionHost.Mutations)
            {
                gate.TransitionTo(region, LifecycleState.Freezing);
                vmms.ResetAcks(); // first: it forgets VMMs whose stream dropped before this freeze
                vmms.Freezing = true;
                tokens.RevokeWritable();
            }

            // A hand-out that raced with the first look: the gate is closed now, so no new writable one follows.
            var appeared = force ? [] : safety.Uncovered();
            last = appeared.Count > 0
                ? Abort(region, run, [], [], RefusalFor(appeared))
                : await WaitForAcksAsync(region, run, timeout, force, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not DaemonException)
        {
            last = Abort(region, run, [], [], $"the freeze failed: {ex.Message}");
            LifecycleLog.FreezeFailed(logger, ex);
        }
        finally
        {
            vmms.Changed -= OnChanged;
            run.Complete();
        }

        await Report(progress, last).ConfigureAwait(false);
        return last;
    }

    /// <summary>Sends PREPARE_FOR_UPDATE and waits for every VMM's ack; seals, or aborts at the timeout (unless forced).</summary>
    private async Task<FreezeProgress> WaitForAcksAsync(
        PersistentRegion region, FreezeRun run, TimeSpan timeout, bool force, Func<FreezeProgress, Task> progress, CancellationToken cancellationToken)
    {
        FreezeProgress last;
        var deadline = time.GetUtcNow() + timeout;
        LifecycleLog.FreezeStarted(logger, timeout.TotalSeconds, force, vmms.Snapshot().Count);
        vmms.Broadcast(_ => VmmEvent.Of(VmmEventKind.PrepareForUpdate, region,
            "pause the VM, save its device state to a DEVICE_STATE file of the VM, then call AckFreeze", deadline));

        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken, run.AbortToken);
        var notified = new HashSet<VmmRegistration>(vmms.Snapshot());
        while (true)
        {
            // A VMM that (re-)registered during the freeze is told too, and counts.
            foreach (var registration in vmms.Snapshot())
            {
                if (registration.Connected && notified.Add(registration))
                {
                    registration.Send(VmmEvent.Of(VmmEventKind.PrepareForUpdate, region, "a freeze is running: save the device state and ack", deadline));
                }
            }

            var (acked, pending) = Tally();
            if (pending.Count == 0)
            {
                last = Seal(region, run, acked, pending, forced: false);
                break;
            }

            last = Progress(run, FreezePhase.WaitingForAcks, $"waiting for {pending.Count} of {acked.Count + pending.Count} VMMs to ack", region, acked, pending);
            await Report(progress, last).ConfigureAwait(false);
            if (!await run.WaitForChangeAsync(linked.Token).ConfigureAwait(false))
            {
                (acked, pending) = Tally();
                if (pending.Count == 0)
                {
                    last = Seal(region, run, acked, pending, forced: false);
                }
                else if (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested && !run.AbortRequested && force)
                {
                    last = Seal(region, run, acked, pending, forced: true);
                }
                else
                {
                    var why = run.AbortReason
                        ?? (cancellationToken.IsCancellationRequested ? "the Freeze caller went away"
                        : $"timed out after {timeout.TotalSeconds:0.###} s with {pending.Count} VMMs not acked: {string.Join(", ", pending.Select(Describe))}");
                    last = Abort(region, run, acked, pending, why);
                }

                break;
            }
        }

        return last;
    }

    private (List<VmmRegistration> Acked, List<VmmRegistration> Pending) Tally()
    {
        var all = vmms.Snapshot();
        return (all.Where(v => v.Acked).ToList(), all.Where(v => !v.Acked).ToList());
    }

    private FreezeProgress Seal(PersistentRegion region, FreezeRun run, List<VmmRegistration> acked, List<VmmRegistration> pending, bool forced)
    {
        lock (regionHost.Mutations)
        {
            gate.TransitionTo(region, LifecycleState.Frozen);
            vmms.Freezing = false;
            tokens.RevokeWritable();
        }

        var message = forced
            ? $"sealed by force: FROZEN with {pending.Count} VMMs not acked: {string.Join(", ", pending.Select(Describe))}"
            : $"sealed: FROZEN, all {acked.Count} VMMs acked; the host may kexec";
        // The daemon's own share of the blackout before the kexec: from the last ack (what the last VM waited for) to sealed.
        long lastAck = acked.Count == 0 ? run.StartedAt : acked.Max(v => v.AckedAt);
        LifecycleLog.Frozen(logger, region.Info.Generation, acked.Count, pending.Count, forced, time.GetElapsedTime(run.StartedAt).TotalMilliseconds,
            time.GetElapsedTime(lastAck).TotalMilliseconds);
        var sealedProgress = Progress(run, FreezePhase.Frozen, message, region, acked, pending);
        sealedProgress.Forced = forced;
        return sealedProgress;
    }

    private FreezeProgress Abort(PersistentRegion region, FreezeRun run, List<VmmRegistration> acked, List<VmmRegistration> pending, string why)
    {
        lock (regionHost.Mutations)
        {
            if (gate.State == LifecycleState.Freezing)
            {
                gate.TransitionTo(region, LifecycleState.Active);
            }

            vmms.Freezing = false;
        }

        vmms.ResetAcks();
        vmms.Broadcast(_ => VmmEvent.Of(VmmEventKind.Thawed, region, $"the freeze was abandoned ({why}): resume the VM"));
        LifecycleLog.FreezeAborted(logger, why);
        return Progress(run, FreezePhase.Aborted, $"aborted, back to ACTIVE: {why}", region, acked, pending);
    }

    private static async Task Report(Func<FreezeProgress, Task> progress, FreezeProgress message)
    {
        try
        {
            await progress(message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
            // The caller's stream is gone; its cancellation token aborts the freeze.
        }
    }

    private FreezeProgress Progress(
        FreezeRun run, FreezePhase phase, string message, PersistentRegion region,
        IEnumerable<VmmRegistration>? acked = null, IEnumerable<VmmRegistration>? pending = null)
    {
        var p = new FreezeProgress
        {
            Phase = phase,
            Message = message,
            Elapsed = time.GetElapsedTime(run.StartedAt),
            Generation = region.Info.Generation,
        };
        p.Acked.AddRange((acked ?? []).Select(Ref));
        p.Pending.AddRange((pending ?? []).Select(Ref));
        return p;
    }

    private static VmmRef Ref(VmmRegistration v) => new(v.VmUuid, v.Name, v.Connected);

    private static string Describe(VmmRegistration v) => $"{v.Name} ({v.VmUuid}{(v.Connected ? string.Empty : ", stream dropped")})";
}
