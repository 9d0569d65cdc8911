using Grpc.Core;
using Grpc.Core.Interceptors;
using LiveUpdate.Region;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Observability;

namespace LiveUpdate.Service.Api;

/// <summary>
/// Turns what a handler throws into a status: <see cref="DaemonException"/> through <see cref="DaemonErrorMapping"/>, <see cref="RegionException"/> through <see cref="RegionErrorMapping"/>;
/// an <see cref="ObjectDisposedException"/> (the region was detached under the call, at shutdown) into UNAVAILABLE; anything
/// unexpected into INTERNAL with a generic text (detailed errors stay in the log, not on the wire). Unary and streaming
/// handlers alike.
/// </summary>
internal sealed class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    /// <inheritdoc/>
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Map(ex, context) is { } status)
        {
            throw status;
        }
    }

    /// <inheritdoc/>
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Map(ex, context) is { } status)
        {
            throw status;
        }
    }

    /// <inheritdoc/>
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Map(ex, context) is { } status)
        {
            throw status;
        }
    }

    /// <summary>The status <paramref name="exception"/> becomes, or null to let it through (an RpcException, a cancellation).</summary>
    private RpcException? Map(Exception exception, ServerCallContext context)
    {
        switch (exception)
        {
            case DaemonException daemon:
                return new RpcException(DaemonErrorMapping.ToStatus(daemon));
            case RegionException region:
                return new RpcException(RegionErrorMapping.ToStatus(region));
            case ObjectDisposedException:
                return new RpcException(new Status(StatusCode.Unavailable, "the region is being detached (the daemon is stopping); retry"));
            case RpcException or OperationCanceledException:
                return null;
            default:
                FilesLog.InternalError(logger, context.Method, exception);
                return new RpcException(new Status(StatusCode.Internal, "internal error in the daemon (see its log)"));
        }
    }
}
