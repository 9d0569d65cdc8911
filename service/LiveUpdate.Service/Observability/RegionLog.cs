using LiveUpdate.Region;
using LiveUpdate.Region.Devices;

namespace LiveUpdate.Service.Observability;

/// <summary>Log messages of the region's attach and detach (RegionHost).</summary>
internal static partial class RegionLog
{
    [LoggerMessage(EventId = 100, EventName = "RegionOpened", Level = LogLevel.Information,
        Message = "region {Path}: {Backend}, {Size} bytes, physical base 0x{PhysicalBase:x} ({PhysicalBaseSource})")]
    public static partial void Opened(ILogger logger, string path, RegionBackend backend, long size, ulong physicalBase, string physicalBaseSource);

    [LoggerMessage(EventId = 101, EventName = "RegionFormatting", Level = LogLevel.Warning, Message = "formatting region {Path}: {Reason}")]
    public static partial void Formatting(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 102, EventName = "RegionAttached", Level = LogLevel.Information,
        Message = "attached format v{FormatVersion} region {RegionUuid} in {Milliseconds:F1} ms (state {State}, generation {Generation}, {Replayed} journal transactions replayed, attach #{AttachCount})")]
    public static partial void Attached(ILogger logger, uint formatVersion, Guid regionUuid, double milliseconds, LifecycleState state, long generation, int replayed, long attachCount);

    [LoggerMessage(EventId = 103, EventName = "SameBoot", Level = LogLevel.Information, Message = "same boot ({BootId}): a daemon restart, state kept")]
    public static partial void SameBoot(ILogger logger, Guid bootId);

    [LoggerMessage(EventId = 104, EventName = "BootChanged", Level = LogLevel.Information, Message = "boot id changed {Before} -> {After} ({Why})")]
    public static partial void BootChanged(ILogger logger, Guid before, Guid after, string why);

    [LoggerMessage(EventId = 105, EventName = "AttachWarning", Level = LogLevel.Warning, Message = "attach: {Problem}")]
    public static partial void AttachWarning(ILogger logger, string problem);

    [LoggerMessage(EventId = 106, EventName = "RegionUsage", Level = LogLevel.Information,
        Message = "{Files} files, {Directories} directories; {Used} bytes used, {Free} bytes free, largest free extent {Largest} bytes")]
    public static partial void Usage(ILogger logger, long files, long directories, long used, long free, long largest);

    [LoggerMessage(EventId = 107, EventName = "RegionDetached", Level = LogLevel.Information, Message = "detached region {Path}")]
    public static partial void Detached(ILogger logger, string path);

    [LoggerMessage(EventId = 108, EventName = "StateAtBoot", Level = LogLevel.Warning, Message = "lifecycle state {Before} -> {After} at attach ({Cause})")]
    public static partial void StateAtBoot(ILogger logger, LifecycleState before, LifecycleState after, ReconcileCause cause);

    [LoggerMessage(EventId = 109, EventName = "DefaultRegionCapped", Level = LogLevel.Warning,
        Message = "creating the default region {Path} with {Size} bytes, not {Requested}: the filesystem at {Directory} holds no more (give --region-size to choose)")]
    public static partial void DefaultRegionCapped(ILogger logger, string path, long requested, long size, string directory);
}
