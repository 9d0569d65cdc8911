using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Client;

/// <summary>Files.GetUsage: what uids own against their quotas.</summary>
public sealed partial class LiveUpdateClient
{
    /// <summary>
    /// What each uid owns (bytes, inodes) against its quota (0 = unlimited), and the descriptor tokens it holds. An
    /// administrator sees every uid that owns something, or <paramref name="uid"/> alone; anyone else sees its own uid
    /// only (asking for another is <see cref="LiveUpdateError.PermissionDenied"/>).
    /// </summary>
    public Task<UsageReport> GetUsageAsync(uint? uid = null, CancellationToken cancellationToken = default)
    {
        var request = new GetUsageRequest();
        if (uid is { } asked)
        {
            request.Uid = asked;
        }

        return InvokeAsync(
            "GetUsage",
            (client: this, request),
            static (s, ct) => s.client.FilesClient.GetUsageAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }
}
