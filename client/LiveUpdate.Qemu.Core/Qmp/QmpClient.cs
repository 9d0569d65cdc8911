using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LiveUpdate.Qemu.Qmp;

/// <summary>
/// A QMP client over QEMU's Unix socket: JSON objects one per line. After the greeting it negotiates capabilities
/// (<c>qmp_capabilities</c>); then commands go one at a time, each with an id that its reply (<c>return</c> or
/// <c>error</c>) carries back, while events (<c>{"event": …}</c>) may arrive between them at any time: a reader loop
/// routes replies to the waiting command and events to whoever waits for them.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly SemaphoreSlim _oneCommand = new(1, 1);
    private readonly Lock _lock = new();
    private readonly List<EventWaiter> _eventWaiters = [];
    private readonly CancellationTokenSource _closing = new();
    private TaskCompletionSource<JsonNode?>? _pending;
    private long _pendingId;
    private long _nextId;
    private Exception? _broken;
    private Task _readLoop = Task.CompletedTask;

    private QmpClient(Socket socket)
    {
        _socket = socket;
        _reader = new StreamReader(new NetworkStream(socket, ownsSocket: false), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
    }

    /// <summary>QEMU's version from the greeting ("10.0.2").</summary>
    public string QemuVersion { get; private set; } = string.Empty;

    /// <summary>Connects to an existing QMP socket, reads the greeting and negotiates capabilities.</summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        QmpClient? client = null;
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            client = new QmpClient(socket);
            await client.HandshakeAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            if (client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects to <paramref name="socketPath"/> as soon as QEMU listens there (it creates the socket early in its start):
    /// retries every 10 ms while the socket is missing or refuses, until <paramref name="cancellationToken"/> fires.
    /// </summary>
    public static async Task<QmpClient> ConnectWhenListeningAsync(string socketPath, Func<bool> stillWorthTrying, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await ConnectAsync(socketPath, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused && stillWorthTrying())
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> with <paramref name="arguments"/> (null: none) and returns its <c>return</c> value.
    /// Throws <see cref="QmpException"/> for an error reply (with QEMU's class and description) or a broken monitor.
    /// </summary>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments = null, CancellationToken cancellationToken = default)
    {
        await _oneCommand.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var reply = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
            long id;
            lock (_lock)
            {
                if (_broken is not null)
                {
                    throw new QmpException($"QMP {command}: {_broken.Message}");
                }

                id = ++_nextId;
                _pendingId = id;
                _pending = reply;
            }

            var message = new JsonObject { ["execute"] = command, ["id"] = id };
            if (arguments is not null)
            {
                message["arguments"] = arguments;
            }

            try
            {
                await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString() + "\n"), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new QmpException($"QMP {command}: the monitor is closed ({e.Message})");
            }

            try
            {
                return await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (QmpException e) when (e.ErrorClass is null)
            {
                throw new QmpException($"QMP {command}: {e.Message}");
            }
            catch (QmpException e)
            {
                throw new QmpException($"QMP {command}: {e.Message}", e.ErrorClass);
            }
        }
        finally
        {
            lock (_lock)
            {
                _pending = null;
            }

            _oneCommand.Release();
        }
    }

    /// <summary>
    /// A task that completes with the data of the next event named <paramref name="name"/> whose data satisfies
    /// <paramref name="match"/>. Register before the command that causes the event, so that it cannot be missed.
    /// Faults with <see cref="QmpException"/> when the monitor breaks first.
    /// </summary>
    public Task<JsonNode?> WaitForEventAsync(string name, Func<JsonNode?, bool> match, CancellationToken cancellationToken)
    {
        var waiter = new EventWaiter(name, match);
        lock (_lock)
        {
            if (_broken is not null)
            {
                return Task.FromException<JsonNode?>(new QmpException(_broken.Message));
            }

            _eventWaiters.Add(waiter);
        }

        return waiter.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A task that completes when the monitor is closed (QEMU exited or closed the connection).</summary>
    public Task Closed => _readLoop;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        await _readLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _reader.Dispose();
        _oneCommand.Dispose();
        _closing.Dispose();
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        var greeting = await ReadMessageAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new QmpException("the monitor closed before its greeting");
        if (greeting["QMP"] is not JsonObject qmp)
        {
            throw new QmpException($"the monitor's first message is not a QMP greeting: {greeting.ToJsonString()}");
        }

        QemuVersion = qmp["version"]?["qemu"] is JsonObject v ? $"{v["major"]}.{v["minor"]}.{v["micro"]}" : "unknown";
        _readLoop = Task.Run(ReadLoopAsync, CancellationToken.None);
        await ExecuteAsync("qmp_capabilities", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadLoopAsync()
    {
        Exception ended;
        try
        {
            while (await ReadMessageAsync(_closing.Token).ConfigureAwait(false) is { } message)
            {
                Dispatch(message);
            }

            ended = new QmpException("the monitor closed (QEMU exited?)");
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or QmpException)
        {
            ended = e is QmpException ? e : new QmpException($"the monitor broke: {e.Message}");
        }

        List<EventWaiter> waiters;
        TaskCompletionSource<JsonNode?>? pending;
        lock (_lock)
        {
            _broken = ended;
            waiters = [.. _eventWaiters];
            _eventWaiters.Clear();
            pending = _pending;
        }

        pending?.TrySetException(new QmpException(ended.Message));
        foreach (var waiter in waiters)
        {
            waiter.Completion.TrySetException(new QmpException(ended.Message));
        }
    }

    private void Dispatch(JsonObject message)
    {
        if (message["event"]?.GetValue<string>() is { } name)
        {
            var data = message["data"];
            List<EventWaiter> matched = [];
            lock (_lock)
            {
                for (int i = _eventWaiters.Count - 1; i >= 0; i--)
                {
                    var waiter = _eventWaiters[i];
                    if (waiter.Name == name && waiter.Match(data))
                    {
                        matched.Add(waiter);
                        _eventWaiters.RemoveAt(i);
                    }
                }
            }

            foreach (var waiter in matched)
            {
                waiter.Completion.TrySetResult(data?.DeepClone());
            }

            return;
        }

        TaskCompletionSource<JsonNode?>? pending;
        lock (_lock)
        {
            // A reply without our id (or with another) is not the pending command's: QEMU echoes the id it was given.
            pending = message["id"] is JsonValue id && id.TryGetValue(out long value) && value == _pendingId ? _pending : null;
        }

        if (pending is null)
        {
            return;
        }

        if (message["error"] is JsonObject error)
        {
            pending.TrySetException(new QmpException(
                error["desc"]?.GetValue<string>() ?? error.ToJsonString(), error["class"]?.GetValue<string>() ?? "GenericError"));
        }
        else if (message.ContainsKey("return"))
        {
            pending.TrySetResult(message["return"]?.DeepClone());
        }
        else
        {
            pending.TrySetException(new QmpException($"a reply that is neither return nor error: {message.ToJsonString()}"));
        }
    }

    /// <summary>The next message, or null at the end of the stream; a line that is not a JSON object breaks the monitor.</summary>
    private async Task<JsonObject?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            string? line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                return JsonNode.Parse(line) as JsonObject ?? throw new QmpException($"a QMP message that is not a JSON object: {line}");
            }
            catch (JsonException e)
            {
                throw new QmpException($"a QMP message that is not JSON ({e.Message}): {line}");
            }
        }
    }

    private sealed record EventWaiter(string Name, Func<JsonNode?, bool> Match)
    {
        public TaskCompletionSource<JsonNode?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
