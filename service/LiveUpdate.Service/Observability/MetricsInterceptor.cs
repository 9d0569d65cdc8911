using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace LiveUpdate.Service.Observability;

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
            metrics.Call(context.Method, code, Stopwatch.GetElapsedTime(started));
        }
    }
}
