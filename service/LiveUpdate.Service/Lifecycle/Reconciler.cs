using System.Diagnostics;
using LiveUpdate.Region;
using LiveUpdate.Region.Checking;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Inventory;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Regions;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>
/// The reconcile (docs/design.md §7): check the whole region, then compare its files with the hypervisor's inventory by VM UUID.
/// RESUMABLE: the domain is defined (or there is no inventory) and its files are present. ORPHANED: files of a VM the
/// inventory does not know, moved to <see cref="Quarantine"/>. MISSING: a domain marked persistent has no guest memory.
/// A region whose check finds problems is left RECONCILING and nothing is moved. A dry run changes nothing at all.
/// </summary>
internal sealed class Reconciler(
    RegionHost regionHost,
    LifecycleGate gate,
    VmmRegistry vmms,
    VmInventorySource inventory,
    TimeProvider time,
    ILogger<Reconciler> logger) : IDisposable
{
    /// <summary>How often the start-up reconcile tries the inventory again while it waits for it.</summary>
    private static readonly TimeSpan s_inventoryRetry = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _one = new(1, 1);
    private volatile ReconcileReport? _last;

    /// <summary>The last report of this daemon's run (dry runs included), or null.</summary>
    public ReconcileReport? Last => _last;

    /// <summary>
    /// Runs a reconcile; FAILED_PRECONDITION while FREEZING or FROZEN. <paramref name="atStartup"/>: the reconcile the
    /// daemon runs right after attach, which takes the check attach made (see <see cref="CheckOf"/>).
    /// </summary>
    public async Task<ReconcileReport> RunAsync(bool dryRun, CancellationToken cancellationToken, bool atStartup = false)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var region = regionHost.RequireAttached();
            var state = gate.State;
            if (state is LifecycleState.Freezing or LifecycleState.Frozen)
            {
                throw new DaemonException(DaemonError.WrongState,
                    $"the host is {state.ToString().ToUpperInvariant()}: reconcile runs after the kexec (or after luctl thaw)");
            }

            var started = time.GetTimestamp();
            if (!dryRun)
            {
                gate.ReconcileRunning = true;
            }

            try
            {
                var (domains, inventoryElapsed, inventoryWarning) = await ListDomainsAsync(atStartup && !dryRun, cancellationToken).ConfigureAwait(false);
                ReconcileReport report;
                lock (regionHost.Mutations)
                {
                    // The report is published with the state change, under the lock GetStatus reads both under.
                    report = Reconcile(region, dryRun, atStartup, domains, inventoryWarning);
                    report.InventoryDuration = inventoryElapsed;
                    // A check made at attach was part of this reconcile's work, though it ran before it: its time counts.
                    var elapsed = time.GetElapsedTime(started) + (report.CheckedAtAttach ? report.CheckDuration : TimeSpan.Zero);
                    report.Duration = elapsed;
                    report.FinishedAt = time.GetUtcNow();
                    _last = report;
                }

                // Open the gate before telling VMMs: one that registers after the broadcast's snapshot then sees the
                // reconcile over and gets RECLAIM_READY at registration instead.
                gate.ReconcileRunning = false;
                LifecycleLog.Reconciled(logger, dryRun, report.Cause, report.Resumable, report.Orphaned, report.Missing, report.Problems.Count,
                    report.Duration.TotalMilliseconds, report.State);
                // Only the reconcile that ends RECONCILING (after a boot) releases the VMMs; an operator's rerun does not.
                if (!dryRun && report.Cause != ReconcileCause.Operator && report.State == LifecycleState.Active && report.Problems.Count == 0)
                {
                    var verdicts = new Dictionary<string, VmVerdict>(report.Vms.Count, StringComparer.Ordinal);
                    foreach (var vm in report.Vms)
                    {
                        verdicts[vm.VmUuid] = vm;
                    }

                    foreach (var registration in vmms.Snapshot())
                    {
                        if (registration.Connected)
                        {
                            SendReclaimReady(region, registration,
                                verdicts.TryGetValue(CanonicalUuid.Format(registration.VmUuid), out var verdict) ? verdict.Verdict : VerdictKind.Resumable);
                        }
                    }
                }

                return report;
            }
            finally
            {
                gate.ReconcileRunning = false;
            }
        }
        finally
        {
            _one.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _one.Dispose();

    /// <summary>
    /// A VMM has just registered: when it is time to reclaim, RECLAIM_READY. ACTIVE after a new boot means the reconcile
    /// has moved the region out of RECONCILING, so a later report (a dry run, an operator's reconcile still running) does
    /// not make it any less time to reclaim. A VMM registered before the reconcile stored its report is in the reconcile's
    /// broadcast instead (it may get both: harmless). A VM the report does not name (started since) has nothing to reclaim.
    /// </summary>
    public void OnRegistered(PersistentRegion region, VmmRegistration registration)
    {
        var vm = registration.VmUuid.ToString();
        if (gate.State == LifecycleState.Active && regionHost.Boot is { KexecDetected: true } && _last is { } report
            && report.Vms.Find(v => v.VmUuid == vm) is { } verdict)
        {
            SendReclaimReady(region, registration, verdict.Verdict);
        }
    }

    /// <summary>The one place RECLAIM_READY is sent: at the end of the reconcile after a boot, and to a VMM registering later.</summary>
    private static void SendReclaimReady(PersistentRegion region, VmmRegistration registration, VerdictKind verdict) =>
        registration.Send(VmmEvent.Of(VmmEventKind.ReclaimReady, region, "the reconcile has ended: call Reclaim for your VM's files", verdict: verdict));

    /// <summary>
    /// The inventory's domains. The reconcile after a boot waits for it up to <see cref="VmInventorySource.StartupWait"/>,
    /// trying again every second: libvirtd may start after the daemon, and verdicts given without the inventory cannot
    /// tell ORPHANED or MISSING. Any other reconcile tries once.
    /// </summary>
    private async Task<(IReadOnlyList<DomainRecord>? Domains, TimeSpan Elapsed, string? Warning)> ListDomainsAsync(bool wait, CancellationToken cancellationToken)
    {
        // Timed from before the inventory is created: its first use loads libvirt.so.0 and libxml2 (tens of ms).
        var started = Stopwatch.GetTimestamp();
        if (inventory.Inventory is not { } source)
        {
            return (null, TimeSpan.Zero, null);
        }

        var deadline = wait ? inventory.StartupWait : TimeSpan.Zero;
        var waited = false;
        while (true)
        {
            try
            {
                var domains = await Task.Run(() => source.ListDomains(cancellationToken), cancellationToken).ConfigureAwait(false);
                return (domains, Stopwatch.GetElapsedTime(started), null);
            }
            catch (LibvirtException ex) when (Stopwatch.GetElapsedTime(started) + s_inventoryRetry <= deadline)
            {
                if (!waited)
                {
                    LifecycleLog.InventoryWaiting(logger, source.Source, ex.Message, deadline.TotalSeconds);
                    waited = true;
                }

                await Task.Delay(s_inventoryRetry, time, cancellationToken).ConfigureAwait(false);
            }
            catch (LibvirtException ex)
            {
                // Without the inventory nothing can be judged ORPHANED or MISSING: reconcile on files alone and say why.
                var after = waited ? $" after waiting {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s" : string.Empty;
                return (null, Stopwatch.GetElapsedTime(started),
                    $"the inventory ({source.Source}) could not be read{after}, so files were judged alone (nothing quarantined): {ex.Message}");
            }
        }
    }

    private ReconcileReport Reconcile(PersistentRegion region, bool dryRun, bool atStartup, IReadOnlyList<DomainRecord>? domains, string? inventoryWarning)
    {
        var info = region.Info;
        var boot = regionHost.Boot;
        var cause = info.State == LifecycleState.Reconciling ? info.ReconcileCause : ReconcileCause.Operator;
        var report = new ReconcileReport
        {
            DryRun = dryRun,
            KexecDetected = cause != ReconcileCause.Operator && (boot?.KexecDetected ?? false),
            Cause = cause,
            PreviousBootId = info.PreviousBootId,
            CurrentBootId = info.BootId,
            JournalTransactionsReplayed = region.AttachReport.JournalTransactionsReplayed,
            Inventory = inventory.Description,
        };
        report.Warnings.AddRange(boot?.Warnings ?? []);
        foreach (var warning in region.AttachReport.Warnings)
        {
            report.Warnings.Add($"at attach: {warning}");
        }

        if (inventoryWarning is not null)
        {
            report.Warnings.Add(inventoryWarning);
        }

        foreach (var name in atStartup ? region.AttachReport.OrphanNamespacesRemoved : dryRun ? [] : region.RemoveOrphanNamespaces())
        {
            report.Warnings.Add($"namespace {name}: no file named it (a crash between its creation or removal and its inode's commit): scrubbed and destroyed");
        }

        var check = CheckOf(region, dryRun, atStartup, report);
        foreach (var problem in check.Problems)
        {
            if (!problem.Repaired)
            {
                report.Problems.Add(problem.ToString());
            }
        }

        var damaged = report.Problems.Count > 0;

        // Plain loops and string keys (UUIDs in canonical form sort as the UUIDs do): this runs once, in a fresh
        // process, right after the kexec, where each generic instantiation LINQ would bring costs JIT time.
        var byVm = FilesByVm(region.ListAllFiles());
        Dictionary<string, DomainRecord>? known = null;
        if (domains is not null)
        {
            known = new Dictionary<string, DomainRecord>(domains.Count, StringComparer.Ordinal);
            foreach (var domain in domains)
            {
                known[CanonicalUuid.Format(domain.Uuid)] = domain;
            }
        }

        var vms = new List<string>(byVm.Keys);
        vms.Sort(StringComparer.Ordinal);
        string? batch = null;
        foreach (var vm in vms)
        {
            var files = byVm[vm];
            var verdict = new VmVerdict { VmUuid = vm };
            if (known is null)
            {
                verdict.Verdict = VerdictKind.Resumable;
                verdict.Message = inventoryWarning is null ? "no inventory configured: judged on its files alone" : "inventory unavailable: judged on its files alone";
            }
            else if (known.TryGetValue(vm, out var domain))
            {
                verdict.Verdict = VerdictKind.Resumable;
                verdict.Name = domain.Name;
                verdict.Message = domain.HasManagedSave
                    ? $"domain '{domain.Name}' is defined ({domain.State}, with a managed save to resume from)"
                    : $"domain '{domain.Name}' is defined ({domain.State})";
            }
            else
            {
                verdict.Verdict = VerdictKind.Orphaned;
                verdict.Message = dryRun ? "no such domain: would be quarantined"
                    : damaged ? "no such domain: left in place because the region check found problems"
                    : "no such domain: quarantined";
            }

            if (verdict.Verdict == VerdictKind.Resumable && !HasGuestMemory(files))
            {
                verdict.Message += "; it has no guest-memory file";
            }

            foreach (var file in files)
            {
                var entry = new VerdictFile { Path = file.Path, Kind = file.Kind, Size = file.Size };
                if (verdict.Verdict == VerdictKind.Orphaned && !dryRun && !damaged)
                {
                    batch ??= Quarantine.NewBatch(region, time.GetUtcNow());
                    entry.QuarantinePath = Quarantine.Move(region, batch, file.Path);
                }

                verdict.Files.Add(entry);
            }

            report.Vms.Add(verdict);
        }

        AddMissing(report, domains, byVm);
        foreach (var vm in report.Vms)
        {
            switch (vm.Verdict)
            {
                case VerdictKind.Resumable:
                    report.Resumable++;
                    break;
                case VerdictKind.Orphaned:
                    report.Orphaned++;
                    break;
                case VerdictKind.Missing:
                    report.Missing++;
                    break;
            }
        }

        var next = info.State;
        if (!dryRun && info.State == LifecycleState.Reconciling && !damaged)
        {
            next = gate.TransitionTo(region, LifecycleState.Active);
        }

        report.State = next;
        return report;
    }

    /// <summary>
    /// The region check of this reconcile, its time and origin recorded in <paramref name="report"/>. The start-up
    /// reconcile takes the check attach made of the very metadata it loaded moments earlier, while the engine still
    /// vouches for it (nothing committed since; Files calls answer UNAVAILABLE meanwhile): reading every inode and
    /// table page again in a process that has just started would double that cost inside the blackout. Every other
    /// reconcile, dry runs included, checks afresh.
    /// </summary>
    private static CheckReport CheckOf(PersistentRegion region, bool dryRun, bool atStartup, ReconcileReport report)
    {
        if (atStartup && !dryRun && region.AttachCheckIfCurrent is { } atAttach)
        {
            report.CheckedAtAttach = true;
            report.CheckDuration = region.AttachReport.CheckDuration;
            return atAttach;
        }

        var started = Stopwatch.GetTimestamp();
        var check = region.Check(repair: false);
        report.CheckDuration = Stopwatch.GetElapsedTime(started);
        return check;
    }

    /// <summary>The live files of each VM (keyed by its UUID in canonical form), each list in path order.</summary>
    private static Dictionary<string, List<RegionFileInfo>> FilesByVm(IReadOnlyList<RegionFileInfo> files)
    {
        var byVm = new Dictionary<string, List<RegionFileInfo>>(StringComparer.Ordinal);
        var lastVm = Guid.Empty;
        List<RegionFileInfo>? last = null;
        foreach (var file in files)
        {
            if (file.Kind == FileKind.Directory || file.VmUuid == Guid.Empty || Quarantine.IsSetAside(file.Path))
            {
                continue;
            }

            // A VM's files are mostly neighbours in path order: skip the UUID's formatting and lookup for those.
            if (last is null || file.VmUuid != lastVm)
            {
                var key = CanonicalUuid.Format(file.VmUuid);
                if (!byVm.TryGetValue(key, out last))
                {
                    last = [];
                    byVm.Add(key, last);
                }

                lastVm = file.VmUuid;
            }

            last.Add(file);
        }

        return byVm;
    }

    private static bool HasGuestMemory(List<RegionFileInfo> files)
    {
        foreach (var file in files)
        {
            if (file.Kind == FileKind.GuestMemory)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>MISSING: each domain marked persistent whose guest memory the region does not hold (after the other verdicts).</summary>
    private static void AddMissing(ReconcileReport report, IReadOnlyList<DomainRecord>? domains, Dictionary<string, List<RegionFileInfo>> byVm)
    {
        if (domains is null)
        {
            return;
        }

        var marked = new List<DomainRecord>();
        foreach (var domain in domains)
        {
            if (domain.MarkedForLiveUpdate)
            {
                marked.Add(domain);
            }
        }

        marked.Sort(static (a, b) => a.Uuid.CompareTo(b.Uuid));
        foreach (var domain in marked)
        {
            var uuid = CanonicalUuid.Format(domain.Uuid);
            if (byVm.TryGetValue(uuid, out var files) && HasGuestMemory(files))
            {
                continue;
            }

            var missing = new VmVerdict
            {
                VmUuid = uuid,
                Name = domain.Name,
                Verdict = VerdictKind.Missing,
                Message = $"domain '{domain.Name}' is marked persistent but the region holds no guest memory for it: it cannot resume; boot it afresh",
            };
            for (var i = 0; i < report.Vms.Count; i++)
            {
                if (report.Vms[i].VmUuid == uuid)
                {
                    missing.Files.AddRange(report.Vms[i].Files);
                    report.Vms.RemoveAt(i);
                    break;
                }
            }

            report.Vms.Add(missing);
        }
    }
}
