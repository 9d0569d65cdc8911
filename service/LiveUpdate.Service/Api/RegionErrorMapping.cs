using Grpc.Core;
using LiveUpdate.Region;

namespace LiveUpdate.Service.Api;

/// <summary>
/// The one place where the engine's <see cref="RegionError"/> becomes a gRPC status code (the codes files.proto documents).
/// The engine's messages are written for operators and name no secret, so they travel as the status detail.
/// </summary>
internal static class RegionErrorMapping
{
    /// <summary>The status code for <paramref name="error"/>.</summary>
    public static StatusCode ToStatusCode(RegionError error) => error switch
    {
        RegionError.InvalidArgument => StatusCode.InvalidArgument,
        RegionError.NotFound => StatusCode.NotFound,
        RegionError.AlreadyExists => StatusCode.AlreadyExists,
        RegionError.NoSpace => StatusCode.ResourceExhausted,
        RegionError.NotEmpty or RegionError.WrongKind or RegionError.FailedPrecondition => StatusCode.FailedPrecondition,
        // A newer on-region format cannot appear while attached (attach refuses it); were it to, nothing can proceed.
        RegionError.UnsupportedFormat => StatusCode.FailedPrecondition,
        RegionError.Corrupt => StatusCode.DataLoss,
        // Another process holds what was needed: transient, retry with backoff.
        RegionError.Busy => StatusCode.Unavailable,
        RegionError.Io => StatusCode.Internal,
        // The file changed under a long read: nothing was done, the caller may simply do it again.
        RegionError.Conflict => StatusCode.Aborted,
        _ => StatusCode.Internal,
    };

    /// <summary>The status for <paramref name="exception"/>: its mapped code and its message.</summary>
    public static Status ToStatus(RegionException exception) => new(ToStatusCode(exception.Error), exception.Message);
}
