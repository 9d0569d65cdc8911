using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using LiveUpdate.Client;

namespace LiveUpdate.Cli.Errors;

/// <summary>
/// The one place where a failure becomes luctl's exit code and its single stderr line:
/// <c>luctl: COMMAND: STATUS: what happened; what to do</c>.
/// </summary>
internal static class ErrorReport
{
    /// <summary>The exit code and the line for <paramref name="exception"/>, thrown by <paramref name="command"/>.</summary>
    public static (int ExitCode, string Line) Describe(Exception exception, string command, string socketPath)
    {
        ArgumentNullException.ThrowIfNull(exception);
        (int code, string text) = exception switch
        {
            CliException cli => (cli.ExitCode, cli.Message),
            LiveUpdateException live => FromClient(live, command, socketPath),
            RpcException rpc => FromStatus(rpc.StatusCode, rpc.Status.Detail, rpc, command, socketPath),
            OperationCanceledException => (ExitCodes.Failed, "interrupted before the daemon answered"),
            _ => (ExitCodes.Failed, $"unexpected {exception.GetType().Name}: {exception.Message}"),
        };
        return (code, $"luctl: {command}: {OneLine(text)}");
    }

    /// <summary>A client-library failure: a daemon status, or a failure on the client's side of the call.</summary>
    private static (int, string) FromClient(LiveUpdateException exception, string command, string socketPath)
    {
        // The retries ran out of time while the daemon stayed unavailable: the same as running out of attempts.
        if (exception.Error == LiveUpdateError.DeadlineExceeded && exception.StatusCode == StatusCode.Unavailable)
        {
            return FromStatus(StatusCode.Unavailable, exception.ServerMessage ?? exception.Message, exception, command, socketPath);
        }

        // Connecting to the socket failed with EACCES: the daemon may run, but this user cannot reach it.
        if (exception.Error == LiveUpdateError.PermissionDenied && exception.Errno is not null && exception.StatusCode == StatusCode.Unavailable)
        {
            return (ExitCodes.Unreachable,
                $"PERMISSION_DENIED: cannot connect to {socketPath}: the socket directory does not admit this user; run as root or as a member of the daemon's admin group");
        }

        if (exception.StatusCode is { } status)
        {
            return FromStatus(status, exception.ServerMessage ?? exception.Message, exception, command, socketPath);
        }

        return (ExitCodes.Failed, $"{exception.Error}: {exception.Message}");
    }

    /// <summary>A gRPC status from the daemon (or from the channel, for a connection that failed).</summary>
    private static (int, string) FromStatus(StatusCode status, string detail, Exception exception, string command, string socketPath)
    {
        string name = CodeName(status);
        bool dma = command.StartsWith("dma", StringComparison.Ordinal);
        return status switch
        {
            StatusCode.Unavailable when ConnectError(exception, socketPath) is { } why =>
                (ExitCodes.Unreachable, $"{name}: cannot connect to {socketPath}: {why}; is liveupdated running? (systemctl status liveupdate; or pass --socket-dir DIR)"),
            StatusCode.Unavailable =>
                (ExitCodes.Unreachable, $"{name}: {detail} (daemon socket {socketPath}); the daemon is starting, attaching or reconciling: try again in a moment"),
            StatusCode.FailedPrecondition when detail.Contains("DMA-mapped", StringComparison.Ordinal) =>
                (ExitCodes.Refused, $"{name}: {detail}; 'luctl dma ls' and 'luctl dma mappings DOMAIN' show what maps it, 'luctl dma unmap' releases it"),
            StatusCode.FailedPrecondition =>
                (ExitCodes.Refused, $"{name}: {detail}; refused in the current state: see 'luctl status' ('luctl thaw' ends an abandoned update)"),
            StatusCode.InvalidArgument or StatusCode.OutOfRange =>
                (ExitCodes.Usage, $"{name}: {detail}; fix the argument (see --help)"),
            StatusCode.NotFound when dma => (ExitCodes.Failed, $"{name}: {detail}; see 'luctl dma ls' and 'luctl dma mappings DOMAIN'"),
            StatusCode.NotFound => (ExitCodes.Failed, $"{name}: {detail}; see 'luctl ls'"),
            StatusCode.AlreadyExists when dma =>
                (ExitCodes.Failed, $"{name}: {detail}; choose another domain id or IOVA range, or detach or unmap first (see 'luctl dma ls')"),
            StatusCode.AlreadyExists => (ExitCodes.Failed, $"{name}: {detail}; choose another path or 'luctl rm' the old one"),
            StatusCode.ResourceExhausted when detail.StartsWith("quota:", StringComparison.Ordinal) =>
                (ExitCodes.Failed, $"{name}: {detail}; see 'luctl usage' for what each uid owns against its quota"),
            StatusCode.ResourceExhausted when detail.StartsWith("limit:", StringComparison.Ordinal) =>
                (ExitCodes.Failed, $"{name}: {detail}"),
            StatusCode.ResourceExhausted => (ExitCodes.Failed, $"{name}: {detail}; see 'luctl region' for free space, 'luctl gc' to delete quarantined files"),
            StatusCode.PermissionDenied or StatusCode.Unauthenticated when dma =>
                (ExitCodes.Failed, $"{name}: {detail}; run as the domain's (and the file's) owner, as root or as a member of the daemon's admin group"),
            StatusCode.PermissionDenied or StatusCode.Unauthenticated =>
                (ExitCodes.Failed, $"{name}: {detail}; run as the file's owner, as root or as a member of the daemon's admin group"),
            StatusCode.DataLoss => (ExitCodes.Failed, $"{name}: {detail}; run 'luctl check', then 'luctl check --repair'"),
            StatusCode.DeadlineExceeded => (ExitCodes.Failed, $"{name}: {detail}; the daemon did not answer in time: see 'journalctl -u liveupdate'"),
            StatusCode.Unimplemented => (ExitCodes.Failed, $"{name}: {detail}; this daemon does not offer the call: update liveupdated"),
            _ => (ExitCodes.Failed, $"{name}: {detail}; see 'journalctl -u liveupdate'"),
        };
    }

    /// <summary>Why connecting to the daemon's socket failed, if that is what failed: no socket, or nobody listening.</summary>
    private static string? ConnectError(Exception? exception, string socketPath)
    {
        for (; exception is not null; exception = exception.InnerException ?? (exception as RpcException)?.Status.DebugException)
        {
            if (exception is SocketException socket)
            {
                // connect(2) on a missing Unix socket is ENOENT, which .NET names "Cannot assign requested address".
                return !File.Exists(socketPath) ? "no such socket"
                    : socket.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused (a stale socket: no daemon listens on it)"
                    : socket.Message;
            }
        }

        return null;
    }

    /// <summary>The status code as gRPC spells it: NOT_FOUND, FAILED_PRECONDITION, …</summary>
    internal static string CodeName(StatusCode code)
    {
        string name = code.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(name[i]));
        }

        return builder.ToString();
    }

    /// <summary>Folds line breaks so that the error stays one line.</summary>
    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
