using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace LiveUpdate.Qemu.Tests;

/// <summary>A scripted QMP server on a real Unix socket: the test says what it sends and reads what the client sent.</summary>
internal sealed class QmpPeer : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"qmp-peer-{Guid.NewGuid():N}");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private Socket? _connection;
    private StreamReader? _reader;

    public QmpPeer()
    {
        Directory.CreateDirectory(_directory);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen();
    }

    public string SocketPath => Path.Combine(_directory, "qmp.sock");

    public const string Greeting = """{"QMP": {"version": {"qemu": {"micro": 2, "minor": 0, "major": 10}, "package": ""}, "capabilities": ["oob"]}}""";

    /// <summary>Accepts the client and sends it <paramref name="firstLine"/>.</summary>
    public async Task AcceptAsync(string firstLine)
    {
        _connection = await _listener.AcceptAsync();
        _reader = new StreamReader(new NetworkStream(_connection), Encoding.UTF8);
        await SendAsync(firstLine);
    }

    /// <summary>Accepts the client, sends the greeting and answers qmp_capabilities.</summary>
    public async Task AcceptAndNegotiateAsync()
    {
        await AcceptAsync(Greeting);
        var capabilities = await ReadAsync();
        Assert.Equal("qmp_capabilities", capabilities["execute"]!.GetValue<string>());
        await SendAsync($$"""{"return": {}, "id": {{capabilities["id"]!.ToJsonString()}}}""");
    }

    public async Task<JsonObject> ReadAsync() =>
        JsonNode.Parse(await _reader!.ReadLineAsync() ?? throw new EndOfStreamException("the client closed"))!.AsObject();

    public Task SendAsync(string line) => _connection!.SendAsync(Encoding.UTF8.GetBytes(line + "\n"), SocketFlags.None);

    /// <summary>Closes the connection, as QEMU does when it exits.</summary>
    public void Close() => _connection!.Shutdown(SocketShutdown.Both);

    public ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        _listener.Dispose();
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
