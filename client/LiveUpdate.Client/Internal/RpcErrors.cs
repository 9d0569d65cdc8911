using System.Net.Sockets;
using System.Text;
using Grpc.Core;

namespace LiveUpdate.Client.Internal;

/// <summary>The one place where gRPC failures become <see cref="LiveUpdateException"/>s.</summary>
internal static class RpcErrors
{
    /// <summary>
    /// "<paramref name="operation"/> failed: NOT_FOUND: '/vm/a' does not exist": the error kind the status code means,
    /// with the code, the daemon's text and the original exception kept.
    /// </summary>
    internal static LiveUpdateException Translate(RpcException exception, string operation, string socketPath)
    {
        StatusCode code = exception.StatusCode;
        string detail = exception.Status.Detail;

        // Grpc.Net.Client reports every failed connect as UNAVAILABLE. EACCES is not the daemon being down but a socket
        // directory that does not admit this user: PermissionDenied (not retried), as the fd socket's connect reports it.
        if (code == StatusCode.Unavailable && IsAccessDenied(exception.Status.DebugException))
        {
            return new LiveUpdateException(
                LiveUpdateError.PermissionDenied,
                $"{operation} failed: connect to the daemon socket {socketPath}: Permission denied (EACCES): the socket directory does not admit this user",
                exception)
            {
                StatusCode = code,
                ServerMessage = detail,
                Errno = Interop.Libc.EACCES,
            };
        }

        // A call started on a connection the daemon was closing gracefully (HTTP/2 GOAWAY with NO_ERROR: it is stopping
        // or restarting) was never processed: Grpc.Net.Client says INTERNAL, but it is the daemon being unavailable.
        if (code == StatusCode.Internal && IsGracefulServerClose(exception.Status.DebugException))
        {
            code = StatusCode.Unavailable;
        }

        string message = $"{operation} failed: {CodeName(code)}: {detail}";
        if (code == StatusCode.Unavailable)
        {
            message += $" (daemon socket {socketPath})";
        }

        return new LiveUpdateException(ErrorOf(code), message, exception)
        {
            StatusCode = code,
            ServerMessage = detail,
        };
    }

    /// <summary>True when <paramref name="exception"/> or an inner one is the server's HTTP/2 GOAWAY with NO_ERROR.</summary>
    internal static bool IsGracefulServerClose(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is System.Net.Http.HttpProtocolException { ErrorCode: 0 })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="exception"/> or one of its inner exceptions is a socket call refused with EACCES.</summary>
    private static bool IsAccessDenied(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is SocketException { SocketErrorCode: SocketError.AccessDenied })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The error kind a gRPC status code means in the LiveUpdate contract (files.proto).</summary>
    internal static LiveUpdateError ErrorOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => LiveUpdateError.InvalidArgument,
        StatusCode.NotFound => LiveUpdateError.NotFound,
        StatusCode.AlreadyExists => LiveUpdateError.AlreadyExists,
        StatusCode.ResourceExhausted => LiveUpdateError.ResourceExhausted,
        StatusCode.FailedPrecondition => LiveUpdateError.FailedPrecondition,
        StatusCode.PermissionDenied or StatusCode.Unauthenticated => LiveUpdateError.PermissionDenied,
        StatusCode.Unavailable => LiveUpdateError.Unavailable,
        StatusCode.DataLoss => LiveUpdateError.DataLoss,
        StatusCode.DeadlineExceeded => LiveUpdateError.DeadlineExceeded,
        _ => LiveUpdateError.Unknown,
    };

    /// <summary>The code as gRPC spells it on the wire and in documentation: NOT_FOUND, FAILED_PRECONDITION, …</summary>
    internal static string CodeName(StatusCode code)
    {
        string name = code.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(c));
        }

        return builder.ToString();
    }
}
