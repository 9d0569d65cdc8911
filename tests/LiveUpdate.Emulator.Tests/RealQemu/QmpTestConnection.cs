using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace LiveUpdate.Emulator.Tests.RealQemu;

/// <summary>libvirt's side of the monitor, reduced to what the tests need: raw lines, commands and their replies.</summary>
internal sealed class QmpTestConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;

    private QmpTestConnection(Socket socket)
    {
        _socket = socket;
        _reader = new StreamReader(new NetworkStream(socket, ownsSocket: false), new UTF8Encoding(false));
    }

    /// <summary>Every line received so far with its ending, to check the CRLF framing libvirt relies on.</summary>
    public List<string> Events { get; } = [];

    public static async Task<QmpTestConnection> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return new QmpTestConnection(socket);
    }

    /// <summary>The next message (greeting, reply or event).</summary>
    public async Task<JsonObject> ReadAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string line = await _reader.ReadLineAsync(timeout.Token) ?? throw new IOException("the monitor closed");
        return JsonNode.Parse(line)!.AsObject();
    }

    /// <summary>Sends <paramref name="command"/> (with id <paramref name="id"/>) and returns its reply; events on the way are kept.</summary>
    public async Task<JsonObject> ExecuteAsync(string command, JsonObject? arguments = null, string id = "t")
    {
        var message = new JsonObject { ["execute"] = command, ["id"] = id };
        if (arguments is not null)
        {
            message["arguments"] = arguments;
        }

        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString() + "\r\n"), SocketFlags.None);
        while (true)
        {
            var reply = await ReadAsync();
            if (reply.ContainsKey("event"))
            {
                Events.Add(reply.ToJsonString());
                continue;
            }

            return reply;
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _socket.Dispose();
    }
}
