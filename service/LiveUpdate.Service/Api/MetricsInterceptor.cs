using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using LiveUpdate.Service.Observability;

namespace LiveUpdate.Service.Api;

/// <summary>
/// The outermost interceptor: counts every unary and client-streaming call (WriteContents) and its latency by method and
/// final status code. Server-streaming calls (Freeze, RegisterVmm, ReadContents) last as long as their reader wants and
/// are not timed here.
/// </summary>
internal sealed class MetricsInterceptor(DaemonMetrics metrics) : Interceptor
{
    /// <inheritdoc/>
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        Measure(context, () => continuation(request, context));

    /// <inheritdoc/>
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        Measure(context, () => continuation(requestStream, context));

    private async Task<TResponse> Measure<TResponse>(ServerCallContext context, Func<Task<TResponse>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var code = StatusCode.Unknown;
        try
        {
            var response = await call().ConfigureAwait(false);
            code = context.Status.StatusCode;
            return response;
        }
        catch (RpcException ex)
        {
            code = ex.StatusCode;
            throw;
        }
        finally
        {
            metrics.Call(context.Method, CodeName(code), Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>The status code's name as the proto spells it (the metrics' label).</summary>
    private static string CodeName(StatusCode code) => code switch
    {
        StatusCode.OK => "OK",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.DataLoss => "DATA_LOSS",
        StatusCode.Internal => "INTERNAL",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        StatusCode.Cancelled => "CANCELLED",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        _ => code.ToString().ToUpperInvariant(),
    };
}
