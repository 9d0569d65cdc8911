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

    /// <summary>A token for <paramref name="file"/> bound to <paramref name="caller"/>; RESOURCE_EXHAUSTED naming the limit when the caller may hold no more.</summary>
    public Proto.OpenResponse Issue(Caller caller, RegionFileInfo file, bool writable)
    {
        var issued = tokens.Issue(new HandoutGrant(caller.Uid, caller.Pid, file.Path, file.Inode, file.Generation, writable));
        metrics.TokenIssued();
        HandoutLog.TokenIssued(logger, caller.Uid, caller.Pid, issued.Grant.AccessName, file.Path, file.Inode, issued.Grant.ExpiresAt);
        var response = new Proto.OpenResponse
        {
            Token = Google.Protobuf.ByteString.CopyFrom(issued.Token),
            FdSocketPath = options.Value.FdSocketPath,
            SizeBytes = (ulong)file.Size,
            RegionPath = regionHost.RegionPath,
            ExpiresAt = Timestamp.FromDateTimeOffset(issued.Grant.ExpiresAt),
            Access = writable ? Proto.Access.ReadWrite : Proto.Access.ReadOnly,
        };
        Api.ProtoMapping.AddExtents(response.Extents, file.Extents);
        return response;
    }
}
