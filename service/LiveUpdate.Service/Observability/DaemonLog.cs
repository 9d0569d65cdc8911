namespace LiveUpdate.Service.Observability;

/// <summary>Log messages of the daemon's hosting: socket directory, readiness, systemd.</summary>
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 1, EventName = "Ready", Level = LogLevel.Information,
        Message = "ready {Milliseconds:F0} ms after start: gRPC on unix:{GrpcSocket}, descriptors on {FdSocket}, region {Region}")]
    public static partial void Ready(ILogger logger, double milliseconds, string grpcSocket, string fdSocket, string region);

    [LoggerMessage(EventId = 2, EventName = "SocketDirectoryCreated", Level = LogLevel.Information, Message = "created socket directory {Path} (mode 0750)")]
    public static partial void SocketDirectoryCreated(ILogger logger, string path);

    [LoggerMessage(EventId = 3, EventName = "SocketDirectoryModeFixed", Level = LogLevel.Warning, Message = "socket directory {Path} had mode 0{Mode}; set to 0750")]
    public static partial void SocketDirectoryModeFixed(ILogger logger, string path, string mode);

    [LoggerMessage(EventId = 4, EventName = "StaleSocketRemoved", Level = LogLevel.Information, Message = "removed stale socket {Path} (nothing answered on it)")]
    public static partial void StaleSocketRemoved(ILogger logger, string path);

    [LoggerMessage(EventId = 5, EventName = "SocketGroupNotSet", Level = LogLevel.Warning, Message = "could not give {Path} group {Gid}: {Reason}")]
    public static partial void SocketGroupNotSet(ILogger logger, string path, uint gid, string reason);

    [LoggerMessage(EventId = 6, EventName = "SocketsRemoved", Level = LogLevel.Information, Message = "removed the socket files in {Directory}")]
    public static partial void SocketsRemoved(ILogger logger, string directory);

    [LoggerMessage(EventId = 7, EventName = "WatchdogEnabled", Level = LogLevel.Information, Message = "systemd watchdog: pinging every {Milliseconds} ms")]
    public static partial void WatchdogEnabled(ILogger logger, double milliseconds);

    [LoggerMessage(EventId = 8, EventName = "WatchdogWithheld", Level = LogLevel.Error,
        Message = "systemd watchdog ping withheld: region attached {Attached}, descriptor socket serving {Serving}")]
    public static partial void WatchdogWithheld(ILogger logger, bool attached, bool serving);

    [LoggerMessage(EventId = 9, EventName = "MetricsListening", Level = LogLevel.Information, Message = "metrics on http://127.0.0.1:{Port}/metrics")]
    public static partial void MetricsListening(ILogger logger, int port);

    [LoggerMessage(EventId = 10, EventName = "Stopping", Level = LogLevel.Information, Message = "stopping: no new connections; finishing calls in flight")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 11, EventName = "Stopped", Level = LogLevel.Information, Message = "stopped cleanly")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 12, EventName = "HeapTrimmed", Level = LogLevel.Information,
        Message = "returned start-up memory: managed heap {HeapBefore:F1} -> {HeapAfter:F1} MiB, resident {ResidentBefore:F1} -> {ResidentAfter:F1} MiB, in {Milliseconds:F1} ms")]
    public static partial void HeapTrimmed(ILogger logger, double heapBefore, double heapAfter, double residentBefore, double residentAfter, double milliseconds);

    [LoggerMessage(EventId = 13, EventName = "HeapTrimSkipped", Level = LogLevel.Debug,
        Message = "start-up memory not trimmed: the daemon was busy for {Minutes} minutes after start-up (its collections return memory as it goes)")]
    public static partial void HeapTrimSkipped(ILogger logger, double minutes);
}
