using Grpc.Core;
using Grpc.Core.Interceptors;
using LiveUpdate.Service.Limits;
using LiveUpdate.Service.Observability;

namespace LiveUpdate.Service.Api;

/// <summary>
/// Holds a <see cref="StreamLimits"/> slot for every streaming call (RegisterVmm, Freeze, WriteContents, ReadContents)
/// while it runs, and refuses one past <c>--max-streams-per-uid</c> or <c>--max-streams</c> with RESOURCE_EXHAUSTED
/// naming the limit before the service sees it. Unary calls end by themselves and are bounded by Kestrel's streams per
/// connection (Hosting/KestrelLimits).
/// </summary>
internal sealed class StreamLimitInterceptor(StreamLimits limits, ILogger<StreamLimitInterceptor> logger) : Interceptor
{
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

    private Slot Acquire(ServerCallContext context)
    {
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
