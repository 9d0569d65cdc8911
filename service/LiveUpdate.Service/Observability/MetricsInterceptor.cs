using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace LiveUpdate.Service.Observability;

/// <summary>The outermost interceptor: counts every unary call and its latency by method and final status code.</summary>
internal sealed class MetricsInterceptor(DaemonMetrics metrics) : Interceptor
{
    /// <inheritdoc/>
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var code = StatusCode.Unknown;
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
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
