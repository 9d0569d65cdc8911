using Grpc.Core;
using LiveUpdate.Service.Limits;
using Proto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Api;

/// <summary>GetUsage: what each uid owns against its quota (docs/design.md §13, <see cref="Quotas"/>), and the tokens it holds.</summary>
internal sealed partial class FilesService
{
    /// <inheritdoc/>
    public override Task<Proto.UsageReport> GetUsage(Proto.GetUsageRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        Attached();
        uint? asked = request.HasUid ? request.Uid : null;
        if (!caller.IsAdmin && asked is { } other && other != caller.Uid)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"uid {caller.Uid} may see its own usage only, not uid {other}'s (root and the admin group see every uid's)"));
        }

        IEnumerable<uint> uids = caller.IsAdmin && asked is null
            ? quotas.All().Select(entry => entry.Uid).Union(tokens.Holders()).Order()
            : [asked ?? caller.Uid];
        var report = new Proto.UsageReport();
        foreach (var uid in uids)
        {
            var usage = quotas.UsageOf(uid);
            var quota = quotas.QuotaOf(uid);
            report.Uids.Add(new Proto.UidUsage
            {
                Uid = uid,
                Bytes = (ulong)Math.Max(0, usage.Bytes),
                Inodes = (ulong)Math.Max(0, usage.Inodes),
                QuotaBytes = (ulong)quota.Bytes,
                QuotaInodes = (ulong)quota.Inodes,
                QuotaBytesSetting = quota.BytesSetting,
                QuotaInodesSetting = quota.InodesSetting,
                OutstandingTokens = (uint)tokens.CountOf(uid),
                MaxTokens = (uint)tokens.LimitOf(uid),
            });
        }

        return Task.FromResult(report);
    }
}
