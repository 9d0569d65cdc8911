using Grpc.Core;
using LiveUpdate.Service.Errors;

namespace LiveUpdate.Service.Api;

/// <summary>The one place where a domain component's <see cref="DaemonError"/> becomes a gRPC status code.</summary>
internal static class DaemonErrorMapping
{
    /// <summary>The status code for <paramref name="error"/>.</summary>
    public static StatusCode ToStatusCode(DaemonError error) => error switch
    {
        DaemonError.NotReady => StatusCode.Unavailable,
        DaemonError.WrongState => StatusCode.FailedPrecondition,
        DaemonError.Denied => StatusCode.PermissionDenied,
        DaemonError.Unauthenticated => StatusCode.Unauthenticated,
        DaemonError.Exhausted => StatusCode.ResourceExhausted,
        _ => StatusCode.Internal,
    };

    /// <summary>The status for <paramref name="exception"/>: its mapped code and its message.</summary>
    public static Status ToStatus(DaemonException exception) => new(ToStatusCode(exception.Error), exception.Message);
}
