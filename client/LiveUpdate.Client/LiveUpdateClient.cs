using Grpc.Core;
using Grpc.Net.Client;
using LiveUpdate.Client.Internal;

namespace LiveUpdate.Client;

/// <summary>
/// The LiveUpdate daemon's client for VMMs and tools: one gRPC channel over the daemon's Unix socket (one HTTP/2
/// connection, shared by all calls and safe to use concurrently), typed methods for every RPC, descriptor hand-out
/// and mapping. Calls that find the daemon unavailable (down, restarting, attaching, reconciling) are retried with
/// exponential backoff and jitter, within <see cref="LiveUpdateClientOptions.MaxAttempts"/> and
/// <see cref="LiveUpdateClientOptions.RetryTimeout"/>; every other failure is thrown at once as a
/// <see cref="LiveUpdateException"/>.
/// </summary>
/// <remarks>
/// Results are the generated protobuf messages of <c>liveupdate.v1</c> (namespace <c>LiveUpdate.Protocol.V1</c>:
/// <c>FileInfo</c>, <c>RegionInfo</c>, …), which already carry every field of the contract; only what the client adds
/// to a response (<see cref="OpenedFile"/>, <see cref="MappedFile"/>) has types of its own. Each service lives in one
/// partial file (<c>LiveUpdateClient.Files.cs</c>); the generated clients are exposed for calls the typed methods do
/// not cover.
/// <para>
/// Retries and idempotence: every call is retried on UNAVAILABLE. A daemon that is attaching or reconciling answers
/// UNAVAILABLE without doing anything, and a refused connection never reached it, so such retries are safe. A
/// connection that drops after the request was sent is ambiguous: the first attempt may have been carried out, so a
/// retried <see cref="CreateFileAsync"/> or <see cref="MakeDirectoryAsync"/> can fail with
/// <see cref="LiveUpdateError.AlreadyExists"/> and a retried <see cref="RenameAsync"/> or <see cref="RemoveAsync"/>
/// with <see cref="LiveUpdateError.NotFound"/> for the first attempt's own work. Check with <see cref="StatAsync"/>
/// when that matters.
/// </para>
/// </remarks>
public sealed partial class LiveUpdateClient : IAsyncDisposable, IDisposable
{
    private readonly SocketsHttpHandler _handler;
    private readonly GrpcChannel _channel;
    private readonly RetryingInvoker _invoker;
    private readonly TimeSpan _callTimeout;
    private readonly TimeSpan _handoutTimeout;
    private readonly FdConnectionPool _fdConnections = new();

    /// <summary>The fd socket the daemon named in its last OpenResponse: the next Open uses a pooled connection to it, or connects early.</summary>
    private volatile string? _fdSocketPath;
    private volatile bool _disposed;

    /// <summary>A client with the default options (the daemon's socket in the default socket directory).</summary>
    public LiveUpdateClient()
        : this(new LiveUpdateClientOptions())
    {
    }

    /// <summary>
    /// A client with <paramref name="options"/>, validated now (throws <see cref="ArgumentException"/>) and copied:
    /// later changes to the object have no effect. Nothing is connected until the first call.
    /// </summary>
    public LiveUpdateClient(LiveUpdateClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        GrpcSocketPath = options.GrpcSocketPath;
        _callTimeout = options.CallTimeout;
        _handoutTimeout = options.HandoutTimeout;
        _invoker = new RetryingInvoker(options);

        // One HTTP/2 connection multiplexes every call: on a Unix socket that beats several connections.
        _handler = new SocketsHttpHandler
        {
            ConnectCallback = UnixSocketConnector.For(GrpcSocketPath),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = false,
        };
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = _handler,
            DisposeHttpClient = true,
            ThrowOperationCanceledOnCancellation = true,
        });
    }

    /// <summary>The daemon's gRPC socket this client connects to.</summary>
    public string GrpcSocketPath { get; }

    /// <summary>
    /// The underlying channel, for generated clients of services the typed methods do not cover (e.g.
    /// <c>grpc.health.v1.Health</c>). Calls made through it are not retried.
    /// </summary>
    public GrpcChannel Channel => _channel;

    /// <summary>Closes the connections (gRPC and pooled fd socket); calls in flight fail.</summary>
    public void Dispose()
    {
        _disposed = true;
        _channel.Dispose();
        _handler.Dispose();
        _fdConnections.Dispose();
    }

    /// <summary>Closes the connection; calls in flight fail.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Per-attempt call options: the gRPC deadline (system clock) and the attempt's cancellation.</summary>
    private CallOptions CallOptions(CancellationToken cancellationToken) =>
        new(deadline: _callTimeout == Timeout.InfiniteTimeSpan ? null : DateTime.UtcNow + _callTimeout, cancellationToken: cancellationToken);

    /// <summary>Runs one call with retries; <paramref name="operation"/> names it in errors ("Stat of /vm/a").</summary>
    private Task<TResult> InvokeAsync<TState, TResult>(
        string operation, TState state, Func<TState, CancellationToken, Task<TResult>> attempt, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _invoker.InvokeAsync(operation, state, attempt, cancellationToken);
    }
}
