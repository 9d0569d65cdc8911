using LiveUpdate.Service.Configuration;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Limits;

/// <summary>The gRPC connections each uid and everyone hold (<c>--max-connections-per-uid</c>, <c>--max-connections</c>).</summary>
internal sealed class ConnectionLimits(IOptions<DaemonOptions> options, TimeProvider time)
{
    /// <summary>Refused connections that may be told why at once (<see cref="ConnectionRefusal"/>).</summary>
    public const int MaxExplained = 16;

    /// <summary>How long a refused connection may stay open to be told why.</summary>
    public static readonly TimeSpan ExplainFor = TimeSpan.FromSeconds(5);

    private int _explaining;

    /// <summary>Which refusals are logged (a flood of connections is not a flood of log lines).</summary>
    public RefusalLogThrottle Log { get; } = new(time);

    /// <summary>The count.</summary>
    public UidSlots Slots { get; } = new("gRPC connections",
        DaemonOptionNames.MaxConnections, options.Value.MaxConnections,
        DaemonOptionNames.MaxConnectionsPerUid, options.Value.MaxConnectionsPerUid,
        DaemonOptions.AdminConnectionHeadroom);

    /// <summary>Takes one of the <see cref="MaxExplained"/> places for a refused connection to be told why; false when none is free.</summary>
    public bool TryBeginExplaining()
    {
        if (Interlocked.Increment(ref _explaining) <= MaxExplained)
        {
            return true;
        }

        Interlocked.Decrement(ref _explaining);
        return false;
    }

    /// <summary>Gives back the place <see cref="TryBeginExplaining"/> took.</summary>
    public void EndExplaining() => Interlocked.Decrement(ref _explaining);
}
