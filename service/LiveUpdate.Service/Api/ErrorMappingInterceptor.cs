using Grpc.Core;
using Grpc.Core.Interceptors;
using LiveUpdate.Region;
using LiveUpdate.Service.Observability;

namespace LiveUpdate.Service.Api;

/// <summary>
/// Turns what a handler throws into a status: <see cref="RegionException"/> through <see cref="RegionErrorMapping"/>;
/// an <see cref="ObjectDisposedException"/> (the region was detached under the call, at shutdown) into UNAVAILABLE; anything
/// unexpected into INTERNAL with a generic text (detailed errors stay in the log, not on the wire).
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
        catch (RegionException ex)
        {
            throw new RpcException(RegionErrorMapping.ToStatus(ex));
        }
        catch (ObjectDisposedException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the region is being detached (the daemon is stopping); retry"));
        }
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException)
        {
            FilesLog.InternalError(logger, context.Method, ex);
            throw new RpcException(new Status(StatusCode.Internal, "internal error in the daemon (see its log)"));
        }
    }
}
