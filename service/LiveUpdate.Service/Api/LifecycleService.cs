using Grpc.Core;
using LiveUpdate.Region;
using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Lifecycle;
using LiveUpdate.Service.Limits;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Security;
using Proto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Api;

/// <summary>
/// The liveupdate.v1.Lifecycle service (docs/design.md §5, §7). Who may call what: anyone who reaches the socket may read the
/// status, run a plain Check or a dry-run Reconcile; RegisterVmm and Reclaim need the VM's owner (docs/design.md §13,
/// <see cref="VmOwnership"/>), and Reclaim's descriptors on a shared backend go to administrators only
/// (<see cref="DescriptorReach"/>); AckFreeze needs the registering uid; Freeze, Thaw, Reconcile, Check with repair and
/// CollectGarbage need an administrator.
/// </summary>
internal sealed class LifecycleService(
    RegionHost regionHost,
    LifecycleGate gate,
    VmmRegistry vmms,
    FreezeCoordinator freezes,
    FreezeSafety freezeSafety,
    Reconciler reconciler,
    VmInventorySource inventory,
    OpenGrants grants,
    Quotas quotas,
    TimeProvider time,
    ILogger<LifecycleService> logger) : Proto.Lifecycle.LifecycleBase
{
    /// <inheritdoc/>
    public override Task<Proto.LifecycleStatus> GetStatus(Proto.GetStatusRequest request, ServerCallContext context)
    {
        Callers.Of(context);
        var region = Attached();
        RegionInfo info;
        LifecycleState state;
        ReconcileReport? last;
        lock (regionHost.Mutations)
        {
            // One consistent view: state, generation and the last report change together under this lock.
            info = region.Info;
            state = gate.State;
            last = reconciler.Last;
        }

        var status = new Proto.LifecycleStatus
        {
            State = ProtoMapping.ToProto(state),
            Generation = (ulong)info.Generation,
            BootId = ProtoMapping.UuidText(info.BootId),
            PreviousBootId = ProtoMapping.UuidText(info.PreviousBootId),
            KexecDetected = regionHost.Boot?.KexecDetected ?? false,
            ReconcileCause = ProtoMapping.ToProto(info.ReconcileCause),
            Inventory = inventory.Description,
        };
        if (info.StateChangedAt is { } changed)
        {
            status.StateChangedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(changed);
        }

        status.Vmms.AddRange(vmms.Snapshot().OrderBy(v => v.Name, StringComparer.Ordinal).Select(LifecycleMapping.ToProto));
        status.DescriptorHolders.AddRange(freezeSafety.Holders().OrderBy(h => h.Holder.Pid).ThenBy(h => h.Holder.Path, StringComparer.Ordinal).Select(LifecycleMapping.ToProto));
        if (last is not null)
        {
            status.LastReconcile = LifecycleMapping.ToProto(last);
        }

        return Task.FromResult(status);
    }

    /// <inheritdoc/>
    public override async Task RegisterVmm(Proto.RegisterVmmRequest request, IServerStreamWriter<Proto.VmmEvent> responseStream, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var vm = RequestValidation.RequiredVmUuid(request.VmUuid);
        var name = RequestValidation.VmmName(request.Name);
        var region = Attached();
        // REGISTERED goes into the stream inside Register: a freeze woken by the registration may send PREPARE_FOR_UPDATE
        // to it at once, and the contract says REGISTERED comes first.
        var owner = VmOwnership.OwnerOf(region.ListFilesOfVm(vm));
        Demand(VmOwnership.WhyNot(caller, vm, owner, "register as the VMM of"), caller, "register as the VMM of", vm);
        var registration = vmms.Register(vm, name, caller, ownsVm: owner == caller.Uid,
            VmmEvent.Of(VmmEventKind.Registered, region, $"registered as the VMM of {vm}"),
            VmmEvent.Of(VmmEventKind.Replaced, region, $"replaced by a newer registration of VM {vm} (uid {caller.Uid}, pid {caller.Pid}): this stream ends"));
        LifecycleLog.VmmRegistered(logger, vm, name, caller.Uid, caller.Pid);
        try
        {
            reconciler.OnRegistered(region, registration);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, registration.Ended);
            await foreach (var e in registration.Events.ReadAllAsync(linked.Token).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(LifecycleMapping.ToProto(e), linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The VMM went away, or a newer registration replaced this one, or the daemon stops.
        }
        finally
        {
            vmms.Disconnected(registration);
            registration.Dispose();
            LifecycleLog.VmmDisconnected(logger, vm, name);
        }
    }

    /// <inheritdoc/>
    public override async Task<Proto.AckFreezeResponse> AckFreeze(Proto.AckFreezeRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var vm = RequestValidation.RequiredVmUuid(request.VmUuid);
        var failure = request.Failure.Length > 0 ? RequestValidation.FailureReason(request.Failure) : null;
        var region = Attached();
        var registration = vmms.Find(vm)
            ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, $"no VMM is registered for VM {vm}: call RegisterVmm first"));
        if (registration.Caller.Uid != caller.Uid && !caller.IsAdmin)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"VM {vm} was registered by uid {registration.Caller.Uid}; uid {caller.Uid} may not ack for it"));
        }

        if (gate.State != LifecycleState.Freezing || !vmms.Freezing)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"no freeze is waiting for acks (the host is {gate.StateName})"));
        }

        if (failure is not null)
        {
            await freezes.FailAsync(registration, failure).ConfigureAwait(false);
            return new Proto.AckFreezeResponse { Pending = (uint)vmms.Snapshot().Count(v => !v.Acked) };
        }

        var deviceState = string.Empty;
        if (request.DeviceStatePath.Length > 0)
        {
            var file = region.Stat(request.DeviceStatePath);
            if (file.Kind != FileKind.DeviceState || file.VmUuid != vm)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"'{file.Path}' is not a DEVICE_STATE file of VM {vm} (it is {file.Kind} of VM {(file.VmUuid == Guid.Empty ? "none" : file.VmUuid)})"));
            }

            deviceState = file.Path;
        }

        vmms.Ack(registration, deviceState);
        var pending = vmms.Snapshot().Count(v => !v.Acked);
        LifecycleLog.Acked(logger, vm, registration.Name, deviceState, pending);
        return new Proto.AckFreezeResponse { Pending = (uint)pending };
    }

    /// <inheritdoc/>
    public override Task<Proto.ReportVmmProblemResponse> ReportVmmProblem(Proto.ReportVmmProblemRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var vm = RequestValidation.RequiredVmUuid(request.VmUuid);
        var problem = request.Problem.Length > 0 ? RequestValidation.FailureReason(request.Problem) : string.Empty;
        Attached();
        var registration = vmms.Find(vm)
            ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, $"no VMM is registered for VM {vm}: call RegisterVmm first"));
        if (registration.Caller.Uid != caller.Uid && !caller.IsAdmin)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"VM {vm} was registered by uid {registration.Caller.Uid}; uid {caller.Uid} may not report for it"));
        }

        registration.Problem = problem;
        LifecycleLog.VmmProblem(logger, vm, registration.Name, problem.Length > 0 ? problem : "(cleared)");
        return Task.FromResult(new Proto.ReportVmmProblemResponse());
    }

    /// <inheritdoc/>
    public override async Task Freeze(Proto.FreezeRequest request, IServerStreamWriter<Proto.FreezeProgress> responseStream, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        Callers.DemandAdmin(caller, "freeze the host");
        var timeout = RequestValidation.Duration(request.Timeout, "timeout", FreezeCoordinator.DefaultTimeout, FreezeCoordinator.MaxTimeout);
        Attached();
        await freezes.FreezeAsync(timeout, request.Force, p => responseStream.WriteAsync(LifecycleMapping.ToProto(p)), context.CancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async Task<Proto.ThawResponse> Thaw(Proto.ThawRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        Callers.DemandAdmin(caller, "thaw the host");
        Attached();
        var found = await freezes.ThawAsync().ConfigureAwait(false);
        return new Proto.ThawResponse { State = ProtoMapping.ToProto(gate.State), PreviousState = ProtoMapping.ToProto(found) };
    }

    /// <inheritdoc/>
    public override async Task<Proto.ReconcileReport> Reconcile(Proto.ReconcileRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        if (!request.DryRun)
        {
            Callers.DemandAdmin(caller, "reconcile the region (a dry run is open to everyone)");
        }

        Attached();
        gate.DemandNotReconciling();
        return LifecycleMapping.ToProto(await reconciler.RunAsync(request.DryRun, context.CancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc/>
    public override Task<Proto.ReclaimResponse> Reclaim(Proto.ReclaimRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var vm = RequestValidation.RequiredVmUuid(request.VmUuid);
        var region = Attached();
        gate.DemandNotReconciling();
        grants.DemandServing();
        if (gate.State == LifecycleState.Reconciling)
        {
            throw new RpcException(new Status(StatusCode.DataLoss,
                "the reconcile found problems in the region, so nothing is handed out as good: see luctl reconcile, run luctl check --repair, then luctl reconcile"));
        }

        if (gate.State is LifecycleState.Freezing or LifecycleState.Frozen)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"the host is {gate.StateName}: reclaim after the kexec"));
        }

        var response = new Proto.ReclaimResponse
        {
            VmUuid = vm.ToString(),
            Verdict = LifecycleMapping.ToProto(reconciler.Last?.Vms.Find(v => v.VmUuid == vm.ToString())?.Verdict ?? VerdictKind.Resumable),
        };
        lock (regionHost.Mutations)
        {
            var all = region.ListFilesOfVm(vm);
            var owner = VmOwnership.OwnerOf(all);
            Demand(VmOwnership.WhyNot(caller, vm, owner, "reclaim"), caller, "reclaim", vm);
            // Files of another uid tagged with the VM (planted in a region written before the ownership rule) are not the
            // VM's: nobody reclaiming it receives them.
            var files = all.Where(f => !Quarantine.IsSetAside(f.Path) && f.OwnerUid == owner).ToList();
            if (files.Count == 0)
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"the region holds no files of VM {vm} (see luctl reconcile for its verdict)"));
            }

            if (all.FirstOrDefault(f => f.OwnerUid != owner) is { } stranger)
            {
                LifecycleLog.StrangerNotReclaimed(logger, vm, stranger.Path, stranger.OwnerUid, owner ?? 0);
            }

            Demand(DescriptorReach.WhyNot(caller, region, files[0].Path, "reclaim"), caller, "reclaim", vm);
            foreach (var file in files)
            {
                response.Files.Add(new Proto.ReclaimedFile { File = ProtoMapping.ToProto(file), Open = grants.CanHandOut(file) ? grants.Issue(caller, file, writable: true) : null });
            }
        }

        LifecycleLog.Reclaimed(logger, vm, response.Files.Count, caller.Uid, caller.Pid);
        return Task.FromResult(response);
    }

    /// <inheritdoc/>
    public override Task<Proto.CheckReport> Check(Proto.CheckRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var region = Attached();
        var started = time.GetTimestamp();
        LiveUpdate.Region.Checking.CheckReport report;
        if (request.Repair)
        {
            Callers.DemandAdmin(caller, "repair the region");
            lock (regionHost.Mutations)
            {
                if (gate.State is LifecycleState.Freezing or LifecycleState.Frozen)
                {
                    throw new RpcException(new Status(StatusCode.FailedPrecondition,
                        $"the host is {gate.StateName}: repair changes the region; thaw first, or repair after the kexec"));
                }

                gate.DemandNotReconciling();
                report = region.Check(repair: true);
            }
        }
        else
        {
            report = region.Check(repair: false);
        }

        var repaired = report.Problems.Count(p => p.Repaired);
        LifecycleLog.Checked(logger, request.Repair, caller.Uid, report.Problems.Count, repaired);
        return Task.FromResult(ProtoMapping.ToProto(report, time.GetElapsedTime(started)));
    }

    /// <inheritdoc/>
    public override Task<Proto.CollectGarbageResponse> CollectGarbage(Proto.CollectGarbageRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        Callers.DemandAdmin(caller, "delete quarantined files");
        var olderThan = RequestValidation.Duration(request.OlderThan, "older_than", TimeSpan.Zero, TimeSpan.FromDays(36_500));
        var region = Attached();
        GarbageCollection collected;
        lock (regionHost.Mutations)
        {
            if (!request.DryRun)
            {
                gate.DemandMutable(caller, "delete quarantined files in", Quarantine.Root);
            }

            collected = Quarantine.Collect(region, olderThan, time.GetUtcNow(), request.DryRun);
            quotas.Recount(region, regionHost.CapacityBytes);
        }

        LifecycleLog.GarbageCollected(logger, olderThan, request.DryRun, caller.Uid, collected.Removed.Count, collected.BytesFreed, collected.Kept);
        return Task.FromResult(LifecycleMapping.ToProto(collected));
    }

    private PersistentRegion Attached() => regionHost.RequireAttached();

    private void Demand(string? reason, Caller caller, string action, Guid vm)
    {
        if (reason is not null)
        {
            LifecycleLog.Denied(logger, action, vm, caller.Uid, caller.Pid, reason);
            throw new RpcException(new Status(StatusCode.PermissionDenied, reason));
        }
    }
}
