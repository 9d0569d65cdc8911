namespace LiveUpdate.Service.Observability;

/// <summary>Log messages of quotas and limits (docs/design.md §13): what was refused, to whom, and which limit.</summary>
internal static partial class LimitsLog
{
    [LoggerMessage(EventId = 1500, EventName = "ConnectionRefused", Level = LogLevel.Warning,
        Message = "gRPC connection of uid {Uid} pid {Pid} closed at once: {Reason} ({Suppressed} more of this uid's closed since the last such line)")]
    public static partial void ConnectionRefused(ILogger logger, uint uid, int pid, string reason, int suppressed);

    [LoggerMessage(EventId = 1501, EventName = "StreamRefused", Level = LogLevel.Warning,
        Message = "{Method} of uid {Uid} pid {Pid} refused: {Reason}")]
    public static partial void StreamRefused(ILogger logger, string method, uint uid, int pid, string reason);
}
