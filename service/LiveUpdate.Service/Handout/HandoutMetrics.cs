using LiveUpdate.Protocol;
using LiveUpdate.Service.Observability;

namespace LiveUpdate.Service.Handout;

/// <summary>The descriptor socket's results as <see cref="DaemonMetrics"/> labels them.</summary>
internal static class HandoutMetrics
{
    /// <summary>Records one request on the descriptor socket that ended with <paramref name="status"/>.</summary>
    public static void Handout(this DaemonMetrics metrics, HandoutStatus status) => metrics.HandoutResult(status switch
    {
        HandoutStatus.Ok => "ok",
        HandoutStatus.UnknownToken => "unknown_token",
        HandoutStatus.Expired => "expired",
        HandoutStatus.PeerUidMismatch => "uid_mismatch",
        HandoutStatus.MalformedRequest => "malformed",
        _ => "open_failed",
    });
}
