using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LiveUpdate.Region;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Handout;
using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Security;
using Microsoft.Extensions.Options;
using Proto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Api;

/// <summary>Issues Open's answer for a file the caller may open: a one-time token and where to redeem it (Files.Open, Lifecycle.Reclaim).</summary>
internal sealed class OpenGrants(
    RegionHost regionHost,
    HandoutTokens tokens,
    FdHandoutSocket fdSocket,
    DaemonMetrics metrics,
    IOptions<DaemonOptions> options,
    ILogger<OpenGrants> logger)
{
    /// <summary>Throws UNAVAILABLE when the descriptor socket is not serving (a token could not be redeemed).</summary>
    public void DemandServing()
    {
        if (!fdSocket.IsServing)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the descriptor socket is not serving; retry"));
        }
    }

    /// <summary>
    /// False when no descriptor of <paramref name="file"/> may be handed out: on the namespaces backend, a file kept in the
    /// metadata namespace (device state, blobs: they travel through the daemon, and the metadata device never leaves it),
    /// or guest memory whose namespace is missing.
    /// </summary>
    public bool CanHandOut(RegionFileInfo file) => regionHost.Namespaces is null || file.Namespace is not null;

    /// <summary>
    /// A token for <paramref name="file"/> bound to <paramref name="caller"/>; RESOURCE_EXHAUSTED when too many are
    /// outstanding, FAILED_PRECONDITION when <see cref="CanHandOut"/> says no. On the namespaces backend the descriptor
    /// will be the file's own device, and the extents are relative to it (docs/design.md §6).
    /// </summary>
    public Proto.OpenResponse Issue(Caller caller, RegionFileInfo file, bool writable)
    {
        if (!CanHandOut(file))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, file.Kind == FileKind.GuestMemory
                ? $"'{file.Path}' has no namespace (its memory is gone; luctl check reports it): nothing to hand out"
                : $"'{file.Path}' is kept in the metadata namespace, whose device is never handed out on the namespaces backend: read and write it with ReadContents/WriteContents"));
        }

        var device = file.Namespace is { } space ? new FileDevice(space.DevicePath, space.DeviceMajor, space.DeviceMinor) : null;
        var issued = tokens.TryIssue(new HandoutGrant(caller.Uid, caller.Pid, file.Path, file.Inode, file.Generation, writable) { Device = device })
            ?? throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"{HandoutTokens.Capacity} descriptor tokens are outstanding; redeem or let them expire, then retry"));
        metrics.TokenIssued();
        HandoutLog.TokenIssued(logger, caller.Uid, caller.Pid, issued.Grant.AccessName, file.Path, file.Inode, issued.Grant.ExpiresAt);
        var response = new Proto.OpenResponse
        {
            Token = Google.Protobuf.ByteString.CopyFrom(issued.Token),
            FdSocketPath = options.Value.FdSocketPath,
            SizeBytes = (ulong)file.Size,
            RegionPath = device?.Path ?? regionHost.RegionPath,
            ExpiresAt = Timestamp.FromDateTimeOffset(issued.Grant.ExpiresAt),
            Access = writable ? Proto.Access.ReadWrite : Proto.Access.ReadOnly,
        };
        if (device is null)
        {
            Api.ProtoMapping.AddExtents(response.Extents, file.Extents);
        }
        else
        {
            // The descriptor is the file's own device: its byte 0 is the file's byte 0.
            response.Extents.Add(new Proto.Extent { FileOffset = 0, RegionOffset = 0, Length = (ulong)file.AllocatedBytes });
        }

        return response;
    }
}
