using Grpc.Core;
using Grpc.Core.Interceptors;
using LiveUpdate.Service.Limits;
using LiveUpdate.Service.Observability;
using Microsoft.AspNetCore.Connections.Features;

namespace LiveUpdate.Service.Api;

/// <summary>
/// The limits a call meets before the service sees it, each RESOURCE_EXHAUSTED naming the limit:
/// <list type="bullet">
/// <item>a call on a connection that was past a connection limit (<see cref="ConnectionRefusal"/>) is told why, and the
/// connection is asked to close;</item>
/// <item>a streaming call (RegisterVmm, Freeze, WriteContents, ReadContents) holds a <see cref="StreamLimits"/> slot while
/// it runs, and one past <c>--max-streams-per-uid</c> or <c>--max-streams</c> is refused. Unary calls end by themselves
/// and are bounded by Kestrel's streams per connection (Hosting/KestrelLimits).</item>
/// </list>
/// </summary>
internal sealed class LimitsInterceptor(StreamLimits limits, ILogger<LimitsInterceptor> logger) : Interceptor
{
    /// <inheritdoc/>
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        DemandConnectionAccepted(context);
        return continuation(request, context);
    }

    /// <inheritdoc/>
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var slot = Acquire(context);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var slot = Acquire(context);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var slot = Acquire(context);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private static void DemandConnectionAccepted(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        if (http.Features.Get<ConnectionRefusal>() is { } refused)
        {
            http.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
            throw new RpcException(new Status(StatusCode.ResourceExhausted, refused.Reason));
        }
    }

    private Slot Acquire(ServerCallContext context)
    {
        DemandConnectionAccepted(context);
        var caller = Callers.Of(context);
        if (limits.Slots.TryAcquire(caller.Uid, caller.IsAdmin) is { } refusal)
        {
            LimitsLog.StreamRefused(logger, context.Method, caller.Uid, caller.Pid, refusal);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, refusal));
        }

        return new Slot(limits.Slots, caller.Uid, caller.IsAdmin);
    }

    /// <summary>Gives the slot back when the call ends, however it ends.</summary>
    private readonly struct Slot(UidSlots slots, uint uid, bool isAdmin) : IDisposable
    {
        public void Dispose() => slots.Release(uid, isAdmin);
    }
}
