namespace LiveUpdate.Service.Handout;

/// <summary>Log messages of the guest-memory descriptor holders (<see cref="DescriptorHolders"/>) and the freeze's look at them.</summary>
internal static partial class DescriptorHolderLog
{
    [LoggerMessage(EventId = 320, EventName = "HolderWatched", Level = LogLevel.Debug,
        Message = "pid {Pid} (uid {Uid}) holds a guest-memory descriptor ({Path}): watched until it exits")]
    public static partial void Watching(ILogger logger, int pid, uint uid, string path);

    [LoggerMessage(EventId = 321, EventName = "HolderExited", Level = LogLevel.Debug,
        Message = "pid {Pid} (uid {Uid}), which held {Files} guest-memory descriptors, has exited")]
    public static partial void Exited(ILogger logger, int pid, uint uid, int files);

    [LoggerMessage(EventId = 322, EventName = "HolderWatchFailed", Level = LogLevel.Error,
        Message = "watching the guest-memory descriptor holders failed; exited holders are forgotten at the next freeze only")]
    public static partial void WatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 323, EventName = "FreezeDespiteHolders", Level = LogLevel.Warning,
        Message = "freeze by force although unregistered processes hold guest memory: {Holders}")]
    public static partial void FreezeDespiteHolders(ILogger logger, string holders);
}
