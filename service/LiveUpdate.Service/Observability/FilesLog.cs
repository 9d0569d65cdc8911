namespace LiveUpdate.Service.Observability;

/// <summary>Log messages of the Files API: connections, changes (an audit trail), refusals and internal errors.</summary>
internal static partial class FilesLog
{
    [LoggerMessage(EventId = 200, EventName = "Connected", Level = LogLevel.Debug,
        Message = "connection {ConnectionId}: uid {Uid} gid {Gid} pid {Pid} (admin {Admin})")]
    public static partial void Connected(ILogger logger, string connectionId, uint uid, uint gid, int pid, bool admin);

    [LoggerMessage(EventId = 201, EventName = "NoPeerCredentials", Level = LogLevel.Warning,
        Message = "connection {ConnectionId} closed: its peer credentials cannot be read ({Reason})")]
    public static partial void NoPeerCredentials(ILogger logger, string connectionId, string reason);

    [LoggerMessage(EventId = 202, EventName = "Changed", Level = LogLevel.Information, Message = "{Action} {Path} by uid {Uid} pid {Pid}: {Detail}")]
    public static partial void Changed(ILogger logger, string action, string path, uint uid, int pid, string detail);

    [LoggerMessage(EventId = 203, EventName = "Denied", Level = LogLevel.Warning, Message = "denied {Action} {Path} to uid {Uid} pid {Pid}: {Reason}")]
    public static partial void Denied(ILogger logger, string action, string path, uint uid, int pid, string reason);

    [LoggerMessage(EventId = 204, EventName = "InternalError", Level = LogLevel.Error, Message = "{Method} failed unexpectedly")]
    public static partial void InternalError(ILogger logger, string method, Exception exception);
}
