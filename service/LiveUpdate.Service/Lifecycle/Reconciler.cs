using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LiveUpdate.Region;
using LiveUpdate.Service.Api;
using LiveUpdate.Service.Hosting;
using LiveUpdate.Service.Inventory;
using LiveUpdate.Service.Observability;
using Proto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Lifecycle;

/// <summary>
/// The reconcile (DESIGN §7): check the whole region, then compare its files with the hypervisor's inventory by VM UUID.
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
    private readonly SemaphoreSlim _one = new(1, 1);
    private volatile Proto.ReconcileReport? _last;

    /// <summary>The last report of this daemon's run (dry runs included), or null.</summary>
    public Proto.ReconcileReport? Last => _last;

    /// <summary>Runs a reconcile; FAILED_PRECONDITION while FREEZING or FROZEN.</summary>
    public async Task<Proto.ReconcileReport> RunAsync(bool dryRun, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var region = regionHost.RequireAttached();
            var state = gate.State;
            if (state is LifecycleState.Freezing or LifecycleState.Frozen)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition,
                    $"the host is {state.ToString().ToUpperInvariant()}: reconcile runs after the kexec (or after luctl thaw)"));
            }

            var started = time.GetTimestamp();
            if (!dryRun)
            {
                gate.ReconcileRunning = true;
            }

            try
            {
                var (domains, inventoryElapsed, inventoryWarning) = await ListDomainsAsync(cancellationToken).ConfigureAwait(false);
                Proto.ReconcileReport report;
                lock (regionHost.Mutations)
                {
                    // The report is published with the state change, under the lock GetStatus reads both under.
                    report = Reconcile(region, dryRun, domains, inventoryWarning);
                    report.InventoryDuration = Duration.FromTimeSpan(inventoryElapsed);
                    report.Duration = Duration.FromTimeSpan(time.GetElapsedTime(started));
                    report.FinishedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow());
                    _last = report;
                }

                // Open the gate before telling VMMs: one that registers after the broadcast's snapshot then sees the
                // reconcile over and gets RECLAIM_READY at registration instead.
                gate.ReconcileRunning = false;
                LifecycleLog.Reconciled(logger, dryRun, report.Cause, report.Resumable, report.Orphaned, report.Missing, report.Problems.Count,
                    report.Duration.ToTimeSpan().TotalMilliseconds, report.State);
                // Only the reconcile that ends RECONCILING (after a boot) releases the VMMs; an operator's rerun does not.
                if (!dryRun && report.Cause != Proto.ReconcileCause.Operator && report.State == Proto.LifecycleState.Active && report.Problems.Count == 0)
                {
                    var verdicts = report.Vms.ToDictionary(v => v.VmUuid, v => v.Verdict);
                    vmms.Broadcast(v => ReclaimReady(region, verdicts.GetValueOrDefault(v.VmUuid.ToString(), Proto.VmVerdictKind.Resumable)));
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

    /// <summary>The RECLAIM_READY event for a VMM whose VM got <paramref name="verdict"/>.</summary>
    public static Proto.VmmEvent ReclaimReady(PersistentRegion region, Proto.VmVerdictKind verdict)
    {
        var e = FreezeCoordinator.Event(Proto.VmmEventKind.ReclaimReady, region, "the reconcile has ended: call Reclaim for your VM's files");
        e.Verdict = verdict;
        return e;
    }

    private async Task<(IReadOnlyList<DomainRecord>? Domains, TimeSpan Elapsed, string? Warning)> ListDomainsAsync(CancellationToken cancellationToken)
    {
        // Timed from before the inventory is created: its first use loads libvirt.so.0 and libxml2 (tens of ms).
        var started = Stopwatch.GetTimestamp();
        if (inventory.Inventory is not { } source)
        {
            return (null, TimeSpan.Zero, null);
        }

        try
        {
            var domains = await Task.Run(() => source.ListDomains(cancellationToken), cancellationToken).ConfigureAwait(false);
            return (domains, Stopwatch.GetElapsedTime(started), null);
        }
        catch (LibvirtException ex)
        {
            // Without the inventory nothing can be judged ORPHANED or MISSING: reconcile on files alone and say why.
            return (null, Stopwatch.GetElapsedTime(started),
                $"the inventory ({source.Source}) could not be read, so files were judged alone (nothing quarantined): {ex.Message}");
        }
    }

    private Proto.ReconcileReport Reconcile(PersistentRegion region, bool dryRun, IReadOnlyList<DomainRecord>? domains, string? inventoryWarning)
    {
        var info = region.Info;
        var boot = regionHost.Boot;
        var cause = info.State == LifecycleState.Reconciling ? info.ReconcileCause : ReconcileCause.Operator;
        var report = new Proto.ReconcileReport
        {
            DryRun = dryRun,
            KexecDetected = cause != ReconcileCause.Operator && (boot?.KexecDetected ?? false),
            Cause = ProtoMapping.ToProto(cause),
            PreviousBootId = ProtoMapping.UuidText(info.PreviousBootId),
            CurrentBootId = ProtoMapping.UuidText(info.BootId),
            JournalTransactionsReplayed = (uint)region.AttachReport.JournalTransactionsReplayed,
            Inventory = inventory.Description,
        };
        report.Warnings.AddRange(boot?.Warnings ?? []);
        report.Warnings.AddRange(region.AttachReport.Warnings.Select(w => $"at attach: {w}"));
        if (inventoryWarning is not null)
        {
            report.Warnings.Add(inventoryWarning);
        }

        var check = region.Check(repair: false);
        report.Problems.AddRange(check.Problems.Where(p => !p.Repaired).Select(p => p.ToString()));
        var damaged = report.Problems.Count > 0;

        var byVm = region.ListAllFiles()
            .Where(f => f.Kind != FileKind.Directory && f.VmUuid != Guid.Empty && !Quarantine.IsSetAside(f.Path))
            .GroupBy(f => f.VmUuid)
            .ToDictionary(g => g.Key, g => g.OrderBy(f => f.Path, StringComparer.Ordinal).ToList());
        var known = domains?.ToDictionary(d => d.Uuid);
        string? batch = null;
        foreach (var (vm, files) in byVm.OrderBy(p => p.Key))
        {
            var verdict = new Proto.VmVerdict { VmUuid = vm.ToString() };
            if (known is null)
            {
                verdict.Verdict = Proto.VmVerdictKind.Resumable;
                verdict.Message = inventoryWarning is null ? "no inventory configured: judged on its files alone" : "inventory unavailable: judged on its files alone";
            }
            else if (known.TryGetValue(vm, out var domain))
            {
                verdict.Verdict = Proto.VmVerdictKind.Resumable;
                verdict.Name = domain.Name;
                verdict.Message = $"domain '{domain.Name}' is defined ({domain.State})";
            }
            else
            {
                verdict.Verdict = Proto.VmVerdictKind.Orphaned;
                verdict.Message = dryRun ? "no such domain: would be quarantined"
                    : damaged ? "no such domain: left in place because the region check found problems"
                    : "no such domain: quarantined";
            }

            if (!files.Any(f => f.Kind == FileKind.GuestMemory) && verdict.Verdict == Proto.VmVerdictKind.Resumable)
            {
                verdict.Message += "; it has no guest-memory file";
            }

            foreach (var file in files)
            {
                var entry = new Proto.VerdictFile { Path = file.Path, Kind = ProtoMapping.ToProto(file.Kind), SizeBytes = (ulong)file.Size };
                if (verdict.Verdict == Proto.VmVerdictKind.Orphaned && !dryRun && !damaged)
                {
                    batch ??= Quarantine.NewBatch(region, time.GetUtcNow());
                    entry.QuarantinePath = Quarantine.Move(region, batch, file.Path);
                }

                verdict.Files.Add(entry);
            }

            report.Vms.Add(verdict);
        }

        foreach (var domain in (domains ?? []).Where(d => d.MarkedForLiveUpdate).OrderBy(d => d.Uuid))
        {
            if (byVm.TryGetValue(domain.Uuid, out var files) && files.Any(f => f.Kind == FileKind.GuestMemory))
            {
                continue;
            }

            var missing = new Proto.VmVerdict
            {
                VmUuid = domain.Uuid.ToString(),
                Name = domain.Name,
                Verdict = Proto.VmVerdictKind.Missing,
                Message = $"domain '{domain.Name}' is marked persistent but the region holds no guest memory for it: it cannot resume; boot it afresh",
            };
            var existing = report.Vms.FirstOrDefault(v => v.VmUuid == missing.VmUuid);
            if (existing is not null)
            {
                report.Vms.Remove(existing);
                missing.Files.AddRange(existing.Files);
            }

            report.Vms.Add(missing);
        }

        report.Resumable = (uint)report.Vms.Count(v => v.Verdict == Proto.VmVerdictKind.Resumable);
        report.Orphaned = (uint)report.Vms.Count(v => v.Verdict == Proto.VmVerdictKind.Orphaned);
        report.Missing = (uint)report.Vms.Count(v => v.Verdict == Proto.VmVerdictKind.Missing);

        var next = info.State;
        if (!dryRun && info.State == LifecycleState.Reconciling && !damaged)
        {
            next = region.TransitionTo(LifecycleState.Active).State;
            gate.State = next;
        }

        report.State = ProtoMapping.ToProto(next);
        return report;
    }

}
