using Grpc.Core;
using LiveUpdate.Protocol;

namespace LiveUpdate.Client;

/// <summary>
/// The one exception <see cref="LiveUpdateClient"/> throws for failures the daemon or the kernel reports;
/// <see cref="Error"/> says which. Cancellation by the caller's token surfaces as <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class LiveUpdateException : Exception
{
    /// <summary>Creates an exception with its error kind and message.</summary>
    public LiveUpdateException(LiveUpdateError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>The kind of failure.</summary>
    public LiveUpdateError Error { get; }

    /// <summary>The gRPC status code the daemon answered, or null when the failure did not come from a gRPC call.</summary>
    public StatusCode? StatusCode { get; internal init; }

    /// <summary>The daemon's own text (the gRPC status detail, or the fd socket's error text), or null.</summary>
    public string? ServerMessage { get; internal init; }

    /// <summary>The fd socket's status byte when <see cref="Error"/> is <see cref="LiveUpdateError.HandoutFailed"/>, otherwise null.</summary>
    public HandoutStatus? HandoutStatus { get; internal init; }

    /// <summary>The errno of the failed system call, when one failed; otherwise null.</summary>
    public int? Errno { get; internal init; }
}
