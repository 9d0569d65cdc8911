using Grpc.Core;
using LiveUpdate.Client.Internal;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Client;

/// <summary>
/// A VMM's registration (<see cref="LiveUpdateClient.RegisterVmmAsync"/>): the daemon's events for this VM, in order.
/// Disposing ends the stream, which the daemon takes as the VMM going away.
/// </summary>
public sealed class VmmSession : IDisposable
{
    private readonly AsyncServerStreamingCall<VmmEvent> _call;
    private readonly string _socketPath;

    internal VmmSession(AsyncServerStreamingCall<VmmEvent> call, Guid vmUuid, string socketPath)
    {
        _call = call;
        _socketPath = socketPath;
        VmUuid = vmUuid;
    }

    /// <summary>The VM this session registered.</summary>
    public Guid VmUuid { get; }

    /// <summary>
    /// The next event, or null when the daemon ended the stream (it stopped). A newer registration of the same VM by its owner
    /// sends <see cref="VmmEventKind.Replaced"/> (naming the new VMM), then ends the stream.
    /// Throws <see cref="LiveUpdateException"/> when the stream breaks (Unavailable: the daemon died or was not there).
    /// </summary>
    public async Task<VmmEvent?> ReadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false) ? _call.ResponseStream.Current : null;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw RpcErrors.Translate(e, $"RegisterVmm of {VmUuid}", _socketPath);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && FailureOf(_call) is { } failure)
        {
            throw RpcErrors.Translate(failure, $"RegisterVmm of {VmUuid}", _socketPath);
        }
    }

    /// <summary>Waits for the next event of <paramref name="kind"/>, skipping others; null when the stream ends first.</summary>
    public async Task<VmmEvent?> WaitForAsync(VmmEventKind kind, CancellationToken cancellationToken = default)
    {
        while (await ReadAsync(cancellationToken).ConfigureAwait(false) is { } e)
        {
            if (e.Kind == kind)
            {
                return e;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public void Dispose() => _call.Dispose();

    /// <summary>
    /// The failure of a streaming call that Grpc.Net.Client reported as a cancellation although nobody cancelled it: with
    /// ThrowOperationCanceledOnCancellation (this client's channel sets it), a stream whose call failed by itself (the
    /// daemon not there when it started, or gone in the middle) ends in an OperationCanceledException. The call's status
    /// says what happened (UNAVAILABLE, …). Null when the call has not ended, ended OK, or was cancelled (disposed, or
    /// its token): then the cancellation is real.
    /// </summary>
    internal static RpcException? FailureOf<TResponse>(AsyncServerStreamingCall<TResponse> call)
    {
        try
        {
            var status = call.GetStatus();
            return status.StatusCode is StatusCode.OK or StatusCode.Cancelled ? null : new RpcException(status);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
