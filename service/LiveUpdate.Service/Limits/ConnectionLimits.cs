using LiveUpdate.Service.Configuration;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Limits;

/// <summary>The gRPC connections each uid and everyone hold (<c>--max-connections-per-uid</c>, <c>--max-connections</c>).</summary>
internal sealed class ConnectionLimits(IOptions<DaemonOptions> options, TimeProvider time)
{
    /// <summary>Which refusals are logged (a flood of connections is not a flood of log lines).</summary>
    public RefusalLogThrottle Log { get; } = new(time);

    /// <summary>The count.</summary>
    public UidSlots Slots { get; } = new("gRPC connections",
        DaemonOptionNames.MaxConnections, options.Value.MaxConnections,
        DaemonOptionNames.MaxConnectionsPerUid, options.Value.MaxConnectionsPerUid,
        DaemonOptions.AdminConnectionHeadroom);
}
