using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace LiveUpdate.Fuzz.Tests.Daemon;

/// <summary>
/// Calls any RPC of the liveupdate.v1 services from its descriptor alone (unary, client-streaming, server-streaming),
/// with messages built by <see cref="RandomRequests"/>; answers the status the daemon gave.
/// </summary>
internal static class GenericCall
{
    /// <summary>How long a server stream is read before the client ends it (RegisterVmm stays open by design).</summary>
    private static readonly TimeSpan s_streamReadTime = TimeSpan.FromMilliseconds(300);

    /// <summary>Every method of every service in the files that describe the protocol.</summary>
    public static IReadOnlyList<MethodDescriptor> Methods { get; } =
    [
        .. new[] { LiveUpdate.Protocol.V1.FilesReflection.Descriptor, LiveUpdate.Protocol.V1.LifecycleReflection.Descriptor, LiveUpdate.Protocol.V1.DmaReflection.Descriptor }
            .SelectMany(file => file.Services)
            .SelectMany(service => service.Methods),
    ];

    /// <summary>
    /// Calls <paramref name="method"/> with <paramref name="requests"/> (one for a unary or server-streaming call, any
    /// number for a client stream) within <paramref name="deadline"/>; a server stream is read for a short while and
    /// then cancelled by the client (<see cref="CallOutcome.EndedByClient"/>).
    /// </summary>
    public static async Task<CallOutcome> InvokeAsync(CallInvoker invoker, MethodDescriptor method, IReadOnlyList<IMessage> requests, TimeSpan deadline)
    {
        var rpc = Method(method);
        var options = new CallOptions(deadline: DateTime.UtcNow + deadline);
        try
        {
            if (method.IsClientStreaming)
            {
                using var call = invoker.AsyncClientStreamingCall(rpc, null, options);
                try
                {
                    foreach (var request in requests)
                    {
                        await call.RequestStream.WriteAsync(request);
                    }

                    await call.RequestStream.CompleteAsync();
                }
                catch (Exception ex) when (ex is RpcException or InvalidOperationException)
                {
                    // The daemon answered before the stream ended (a refusal of an early message): its status is the response's.
                }

                _ = await call.ResponseAsync;
                return new CallOutcome(StatusCode.OK, false, null);
            }

            if (method.IsServerStreaming)
            {
                using var stop = new CancellationTokenSource(s_streamReadTime);
                using var call = invoker.AsyncServerStreamingCall(rpc, null, options.WithCancellationToken(stop.Token), requests[0]);
                try
                {
                    await foreach (var _ in call.ResponseStream.ReadAllAsync(stop.Token))
                    {
                    }
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && stop.IsCancellationRequested)
                {
                    return new CallOutcome(StatusCode.OK, true, null);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return new CallOutcome(StatusCode.OK, true, null);
                }

                return new CallOutcome(StatusCode.OK, false, null);
            }

            _ = await invoker.AsyncUnaryCall(rpc, null, options, requests[0]);
            return new CallOutcome(StatusCode.OK, false, null);
        }
        catch (RpcException ex)
        {
            return new CallOutcome(ex.StatusCode, false, ex.Status.Detail);
        }
    }

    private static Method<IMessage, IMessage> Method(MethodDescriptor method)
    {
        var type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (true, false) => MethodType.ClientStreaming,
            (false, true) => MethodType.ServerStreaming,
            _ => MethodType.DuplexStreaming,
        };
        return new Method<IMessage, IMessage>(type, method.Service.FullName, method.Name, Marshaller(method.InputType), Marshaller(method.OutputType));
    }

    private static Marshaller<IMessage> Marshaller(MessageDescriptor type) =>
        Marshallers.Create(message => message.ToByteArray(), bytes => type.Parser.ParseFrom(bytes));
}

/// <summary>What one call got: its status (OK when it succeeded), whether the client ended a stream that was still open, and the status detail.</summary>
internal sealed record CallOutcome(StatusCode Status, bool EndedByClient, string? Detail);
