using LiveUpdate.Service.Configuration;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Limits;

/// <summary>
/// The streaming calls (RegisterVmm, Freeze, WriteContents, ReadContents: what a caller can hold open for long) each uid
/// and everyone hold (<c>--max-streams-per-uid</c>, <c>--max-streams</c>).
/// </summary>
internal sealed class StreamLimits(IOptions<DaemonOptions> options)
{
    /// <summary>The count.</summary>
    public UidSlots Slots { get; } = new("streaming calls",
        DaemonOptionNames.MaxStreams, options.Value.MaxStreams,
        DaemonOptionNames.MaxStreamsPerUid, options.Value.MaxStreamsPerUid,
        DaemonOptions.AdminStreamHeadroom);
}
