using LiveUpdate.Protocol;

namespace LiveUpdate.Service.Handout;

/// <summary>Log messages of Open's tokens and the descriptor socket. Every hand-out and every refusal is logged.</summary>
internal static partial class HandoutLog
{
    [LoggerMessage(EventId = 300, EventName = "FdSocketListening", Level = LogLevel.Debug, Message = "descriptor socket {Path} serving (at most {MaxConnections} connections)")]
    public static partial void Listening(ILogger logger, string path, int maxConnections);

    // Debug: a token grants nothing by itself. The audit record is HandedOut (302), which names who received which
    // descriptor and the pid that called Open; logging both at Information cost ~14 % of an Open + hand-out.
    [LoggerMessage(EventId = 301, EventName = "TokenIssued", Level = LogLevel.Debug,
        Message = "open: uid {Uid} pid {Pid} may fetch a {Access} descriptor for {Path} (inode {Inode}) until {ExpiresAt:O}")]
    public static partial void TokenIssued(ILogger logger, uint uid, int pid, string access, string path, long inode, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 302, EventName = "HandedOut", Level = LogLevel.Information,
        Message = "handed out a {Access} descriptor of {Region} to uid {Uid} pid {Pid} for {Path} (inode {Inode} generation {Generation}; opened by pid {OpenPid})")]
    public static partial void HandedOut(ILogger logger, uint uid, int pid, string path, long inode, long generation, string access, int openPid, string region);

    [LoggerMessage(EventId = 303, EventName = "HandoutRefused", Level = LogLevel.Warning,
        Message = "refused a descriptor to uid {Uid} pid {Pid}: status 0x{Code:x2} {Status} ({Path}): {Reason}")]
    public static partial void Refused(ILogger logger, uint uid, int pid, byte code, HandoutStatus status, string path, string reason);

    [LoggerMessage(EventId = 304, EventName = "HandoutSendFailed", Level = LogLevel.Warning,
        Message = "could not send the descriptor for {Path} to uid {Uid} pid {Pid}: {Reason}; connection closed")]
    public static partial void SendFailed(ILogger logger, uint uid, int pid, string path, string reason);

    [LoggerMessage(EventId = 305, EventName = "FdAcceptFailed", Level = LogLevel.Warning, Message = "descriptor socket {Path}: accept failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 306, EventName = "FdLoopFailed", Level = LogLevel.Critical, Message = "descriptor socket {Path} stopped serving")]
    public static partial void LoopFailed(ILogger logger, string path, Exception exception);
}
