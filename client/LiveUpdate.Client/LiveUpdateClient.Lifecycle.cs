using Grpc.Core;
using LiveUpdate.Client.Internal;
using LiveUpdate.Protocol.V1;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace LiveUpdate.Client;

/// <summary>The <c>liveupdate.v1.Lifecycle</c> service: status, the VMM side of the freeze, and the operator's calls.</summary>
public sealed partial class LiveUpdateClient
{
    /// <summary>The generated client of the Lifecycle service, on this client's channel. Calls made through it are not retried.</summary>
    public Lifecycle.LifecycleClient LifecycleClient => field ??= new Lifecycle.LifecycleClient(_channel);

    /// <summary>The lifecycle state, generation, boot ids, registered VMMs and the last reconcile report.</summary>
    public Task<LifecycleStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        InvokeAsync(
            "GetStatus",
            this,
            static (c, ct) => c.LifecycleClient.GetStatusAsync(new GetStatusRequest(), c.CallOptions(ct)).ResponseAsync,
            cancellationToken);

    /// <summary>
    /// Registers this process as the VMM of <paramref name="vmUuid"/> and returns once the daemon confirmed (REGISTERED).
    /// Events arrive on the returned session until it is disposed; the daemon counts the VMM as gone when it is.
    /// Not retried: after a daemon restart, register again.
    /// </summary>
    public async Task<VmmSession> RegisterVmmAsync(Guid vmUuid, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var call = LifecycleClient.RegisterVmm(
            new RegisterVmmRequest { VmUuid = vmUuid.ToString(), Name = name },
            new CallOptions(cancellationToken: CancellationToken.None));
        try
        {
            var session = new VmmSession(call, vmUuid, GrpcSocketPath);
            var first = await session.ReadAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new LiveUpdateException(LiveUpdateError.ProtocolViolation, $"RegisterVmm of {vmUuid}: the daemon ended the stream at once");
            return first.Kind == VmmEventKind.Registered
                ? session
                : throw new LiveUpdateException(LiveUpdateError.ProtocolViolation, $"RegisterVmm of {vmUuid}: the first event was {first.Kind}, not REGISTERED");
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    /// <summary>Reports that the VM is paused and its device state saved (optionally in <paramref name="deviceStatePath"/>).</summary>
    public Task<AckFreezeResponse> AckFreezeAsync(Guid vmUuid, string? deviceStatePath = null, CancellationToken cancellationToken = default)
    {
        var request = new AckFreezeRequest { VmUuid = vmUuid.ToString(), DeviceStatePath = deviceStatePath ?? string.Empty };
        return InvokeAsync(
            $"AckFreeze of {vmUuid}",
            (client: this, request),
            static (s, ct) => s.client.LifecycleClient.AckFreezeAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>
    /// Says what keeps the VM from running (one line), shown with this VMM's registration in GetStatus (<c>luctl
    /// status</c>); an empty <paramref name="problem"/> clears it. The caller must be the VM's registered VMM (or an administrator).
    /// </summary>
    public Task<ReportVmmProblemResponse> ReportVmmProblemAsync(Guid vmUuid, string problem, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var request = new ReportVmmProblemRequest { VmUuid = vmUuid.ToString(), Problem = problem };
        return InvokeAsync(
            $"ReportVmmProblem of {vmUuid}",
            (client: this, request),
            static (s, ct) => s.client.LifecycleClient.ReportVmmProblemAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>
    /// Runs the freeze barrier and returns its last message (phase FROZEN or ABORTED); each progress message goes to
    /// <paramref name="progress"/> as it arrives. Cancelling aborts the freeze. Not retried.
    /// </summary>
    public async Task<FreezeProgress> FreezeAsync(
        TimeSpan? timeout = null, bool force = false, Action<FreezeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var request = new FreezeRequest { Force = force };
        if (timeout is { } t)
        {
            request.Timeout = Duration.FromTimeSpan(t);
        }

        using var call = LifecycleClient.Freeze(request, new CallOptions(cancellationToken: cancellationToken));
        try
        {
            FreezeProgress? last = null;
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                last = call.ResponseStream.Current;
                progress?.Invoke(last);
            }

            return last ?? throw new LiveUpdateException(LiveUpdateError.ProtocolViolation, "Freeze: the daemon sent no progress");
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw RpcErrors.Translate(e, "Freeze", GrpcSocketPath);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && VmmSession.FailureOf(call) is { } failure)
        {
            // The daemon was not there, or went away mid-freeze: Grpc.Net.Client reports that as a cancellation.
            throw RpcErrors.Translate(failure, "Freeze", GrpcSocketPath);
        }
    }

    /// <summary>Abandons a freeze or a sealed update: back to ACTIVE.</summary>
    public Task<ThawResponse> ThawAsync(CancellationToken cancellationToken = default) =>
        InvokeAsync("Thaw", this, static (c, ct) => c.LifecycleClient.ThawAsync(new ThawRequest(), c.CallOptions(ct)).ResponseAsync, cancellationToken);

    /// <summary>Reconciles the region against the inventory (or computes the report only, with <paramref name="dryRun"/>).</summary>
    public Task<ReconcileReport> ReconcileAsync(bool dryRun = false, CancellationToken cancellationToken = default) =>
        InvokeAsync(
            dryRun ? "Reconcile (dry run)" : "Reconcile",
            (client: this, request: new ReconcileRequest { DryRun = dryRun }),
            static (s, ct) => s.client.LifecycleClient.ReconcileAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);

    /// <summary>After the kexec: the files of <paramref name="vmUuid"/>, each with an Open token (see <see cref="OpenReclaimedAsync"/>).</summary>
    public Task<ReclaimResponse> ReclaimAsync(Guid vmUuid, CancellationToken cancellationToken = default) =>
        InvokeAsync(
            $"Reclaim of {vmUuid}",
            (client: this, request: new ReclaimRequest { VmUuid = vmUuid.ToString() }),
            static (s, ct) => s.client.LifecycleClient.ReclaimAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);

    /// <summary>
    /// Redeems a reclaimed file's token for its descriptor (read-write), as <see cref="OpenAsync"/> does. A file that came
    /// with no token (on the namespaces backend, device state and blobs kept in the metadata namespace, whose device is never
    /// handed out) throws <see cref="LiveUpdateError.FailedPrecondition"/>: read it with <see cref="ReadContentsAsync"/>.
    /// </summary>
    public Task<OpenedFile> OpenReclaimedAsync(ReclaimedFile file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (file.Open is null)
        {
            throw new LiveUpdateException(LiveUpdateError.FailedPrecondition,
                $"Reclaim gave no descriptor of '{file.File.Path}': it is kept in the region's metadata; read it with ReadContents");
        }

        return RedeemAsync(file.File.Path, Access.ReadWrite, file.Open, connection: null, connectionSocket: null, cancellationToken);
    }

    /// <summary>Checks every invariant of the region; with <paramref name="repair"/>, fixes what can be fixed without guessing.</summary>
    public Task<CheckReport> CheckAsync(bool repair = false, CancellationToken cancellationToken = default) =>
        InvokeAsync(
            repair ? "Check (repair)" : "Check",
            (client: this, request: new CheckRequest { Repair = repair }),
            static (s, ct) => s.client.LifecycleClient.CheckAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);

    /// <summary>Deletes quarantined files quarantined at least <paramref name="olderThan"/> ago (lists them only, with <paramref name="dryRun"/>).</summary>
    public Task<CollectGarbageResponse> CollectGarbageAsync(TimeSpan olderThan, bool dryRun = false, CancellationToken cancellationToken = default) =>
        InvokeAsync(
            "CollectGarbage",
            (client: this, request: new CollectGarbageRequest { OlderThan = Duration.FromTimeSpan(olderThan), DryRun = dryRun }),
            static (s, ct) => s.client.LifecycleClient.CollectGarbageAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
}
