using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LiveUpdate.Emulator.Proxy;

/// <summary>
/// The QMP proxy between libvirt and QEMU (docs/design.md §15, README.md). libvirt connects to its own listening socket
/// (which the proxy holds); QEMU's monitor is the other end of a socketpair. On the first connection the proxy forwards
/// QEMU's greeting and libvirt's commands until <c>qmp_capabilities</c> succeeds, then, before libvirt sees that reply,
/// turns <c>x-ignore-shared</c> on: nothing libvirt sends afterwards (a managed save's migration included) reaches QEMU
/// before the capability is on. Later connections (libvirtd restarted) get the saved greeting and their
/// <c>qmp_capabilities</c> answered by the proxy (QEMU's monitor left command mode long ago). Internal snapshots are
/// refused (<see cref="SnapshotRefusal"/>). The proxy exits when QEMU closes the monitor.
/// </summary>
internal sealed class QmpProxy : IDisposable
{
    /// <summary>The id of the proxy's own command, which libvirt never sees.</summary>
    public const string CapabilityCommandId = "liveupdate-emulator-x-ignore-shared";

    private const string Name = "liveupdate-emulator qmp-proxy";

    private static readonly string s_capabilityCommand = new JsonObject
    {
        ["execute"] = "migrate-set-capabilities",
        ["arguments"] = new JsonObject
        {
            ["capabilities"] = new JsonArray(new JsonObject { ["capability"] = "x-ignore-shared", ["state"] = true }),
        },
        ["id"] = CapabilityCommandId,
    }.ToJsonString();

    private readonly Socket _listener;
    private readonly QmpLineChannel _qemu;
    private readonly TextWriter _log;
    private readonly CancellationTokenSource _stop = new();
    private volatile QmpLineChannel? _libvirt;
    private string _greeting = string.Empty;

    public QmpProxy(Socket listener, Socket qemu, TextWriter log)
    {
        _listener = listener;
        _qemu = new QmpLineChannel(qemu);
        _log = log;
    }

    /// <summary>
    /// <c>--qmp-proxy LISTEN_FD QEMU_FD</c>: runs the proxy on the inherited descriptors. Exit 0 when QEMU closed the
    /// monitor, 1 when the capability could not be set or QEMU went away before it was, 2 for bad arguments.
    /// </summary>
    public static async Task<int> RunFromCommandLineAsync(string[] args, TextWriter log)
    {
        if (args.Length != 2 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out int listening)
            || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out int qemu))
        {
            await log.WriteLineAsync($"{Name}: usage: liveupdate-emulator {Program.ProxyOption} LISTEN_FD QEMU_FD (started by liveupdate-emulator itself)").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var proxy = new QmpProxy(new Socket(new SafeSocketHandle(listening, ownsHandle: true)), new Socket(new SafeSocketHandle(qemu, ownsHandle: true)), log);
        return await proxy.RunAsync().ConfigureAwait(false);
    }

    /// <summary>Serves libvirt's connections until QEMU closes the monitor; the exit status of the proxy.</summary>
    public async Task<int> RunAsync()
    {
        var token = _stop.Token;
        if (await _qemu.ReadTextAsync(token).ConfigureAwait(false) is not { } greeting)
        {
            await _log.WriteLineAsync($"{Name}: QEMU closed its monitor before its greeting").ConfigureAwait(false);
            return ExitCodes.Refused;
        }

        _greeting = greeting;
        QmpLineChannel? first = null;
        try
        {
            while (first is null)
            {
                var connection = new QmpLineChannel(await _listener.AcceptAsync(token).ConfigureAwait(false));
                if (await FirstHandshakeAsync(connection, token).ConfigureAwait(false))
                {
                    first = connection;
                }
                else
                {
                    connection.Dispose();
                }
            }
        }
        catch (ProxyFailedException e)
        {
            await _log.WriteLineAsync($"{Name}: {e.Message}; closing QEMU's monitor and libvirt's socket (the domain does not start)").ConfigureAwait(false);
            return ExitCodes.Refused;
        }

        await _log.WriteLineAsync($"{Name}: x-ignore-shared is on; forwarding libvirt's commands").ConfigureAwait(false);
        var fromQemu = PumpFromQemuAsync(token);
        var fromLibvirt = ServeAsync(first, token);
        await Task.WhenAny(fromQemu, fromLibvirt).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        _libvirt?.Shutdown();
        await Task.WhenAll(fromQemu, fromLibvirt).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return ExitCodes.Ok;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _qemu.Dispose();
        _libvirt?.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// QEMU's greeting, then libvirt's commands forwarded one at a time until qmp_capabilities succeeds; then the
    /// capability, then the reply. False when libvirt went away first (the next connection starts over); throws
    /// <see cref="ProxyFailedException"/> when QEMU went away or refused the capability.
    /// </summary>
    private async Task<bool> FirstHandshakeAsync(QmpLineChannel libvirt, CancellationToken token)
    {
        if (!await libvirt.WriteLineAsync(_greeting, token).ConfigureAwait(false))
        {
            return false;
        }

        while (await libvirt.ReadLineAsync(token).ConfigureAwait(false) is { } received)
        {
            string line = received.Text;
            bool forwarded = await _qemu.WriteLineAsync(line, token, received.Descriptors).ConfigureAwait(false);
            received.CloseDescriptors();
            if (!forwarded)
            {
                throw new ProxyFailedException("QEMU closed its monitor during capabilities negotiation");
            }

            var events = new List<string>();
            var (replyLine, reply) = await ReadReplyAsync(null, events, token).ConfigureAwait(false);
            if (ExecuteOf(Parse(line)) == "qmp_capabilities" && reply.ContainsKey("return"))
            {
                var (_, capability) = await ReadReplyAsync(CapabilityCommandId, events, token, s_capabilityCommand).ConfigureAwait(false);
                if (capability["error"] is JsonObject error)
                {
                    throw new ProxyFailedException($"QEMU refused migrate-set-capabilities x-ignore-shared: {error["desc"]}");
                }
            }

            // A reply goes first, then any event that arrived meanwhile (QEMU's own order, minus the proxy's command).
            bool delivered = await libvirt.WriteLineAsync(replyLine, token).ConfigureAwait(false);
            foreach (string e in events)
            {
                delivered = delivered && await libvirt.WriteLineAsync(e, token).ConfigureAwait(false);
            }

            if (reply.ContainsKey("return") && ExecuteOf(Parse(line)) == "qmp_capabilities")
            {
                return delivered;
            }
        }

        return false;
    }

    /// <summary>
    /// Sends <paramref name="command"/> (when given) and reads QEMU's messages up to the reply (with id
    /// <paramref name="id"/> when given), keeping events in <paramref name="events"/>.
    /// </summary>
    private async Task<(string Line, JsonObject Reply)> ReadReplyAsync(string? id, List<string> events, CancellationToken token, string? command = null)
    {
        if (command is not null && !await _qemu.WriteLineAsync(command, token).ConfigureAwait(false))
        {
            throw new ProxyFailedException("QEMU closed its monitor before x-ignore-shared was set");
        }

        while (true)
        {
            string line = await _qemu.ReadTextAsync(token).ConfigureAwait(false)
                ?? throw new ProxyFailedException("QEMU closed its monitor during capabilities negotiation");
            var message = Parse(line) ?? throw new ProxyFailedException($"QEMU sent a line that is not a JSON object: {line}");
            if (message.ContainsKey("event"))
            {
                events.Add(line);
                continue;
            }

            if (id is null || (message["id"] is JsonValue v && v.TryGetValue(out string? s) && s == id))
            {
                return (line, message);
            }
        }
    }

    /// <summary>Everything QEMU says goes to the connected libvirt, if any (events while none is connected are dropped).</summary>
    private async Task PumpFromQemuAsync(CancellationToken token)
    {
        while (await _qemu.ReadTextAsync(token).ConfigureAwait(false) is { } line)
        {
            if (_libvirt is { } libvirt)
            {
                await libvirt.WriteLineAsync(line, token).ConfigureAwait(false);
            }
        }

        await _log.WriteLineAsync($"{Name}: QEMU closed its monitor; exiting").ConfigureAwait(false);
    }

    /// <summary>Forwards <paramref name="first"/>'s commands, then each later connection's, until stopped.</summary>
    private async Task ServeAsync(QmpLineChannel first, CancellationToken token)
    {
        var connection = first;
        while (true)
        {
            _libvirt = connection;
            await PumpFromLibvirtAsync(connection, token).ConfigureAwait(false);
            _libvirt = null;
            connection.Dispose();
            do
            {
                connection = new QmpLineChannel(await _listener.AcceptAsync(token).ConfigureAwait(false));
            }
            while (!await ReplayHandshakeAsync(connection, token).ConfigureAwait(false) && DisposeAndContinue(connection));

            await _log.WriteLineAsync($"{Name}: libvirt reconnected").ConfigureAwait(false);
        }
    }

    private static bool DisposeAndContinue(QmpLineChannel connection)
    {
        connection.Dispose();
        return true;
    }

    /// <summary>A later connection: the saved greeting, and qmp_capabilities answered here (QEMU is in command mode).</summary>
    private async Task<bool> ReplayHandshakeAsync(QmpLineChannel libvirt, CancellationToken token)
    {
        if (!await libvirt.WriteLineAsync(_greeting, token).ConfigureAwait(false))
        {
            return false;
        }

        while (await libvirt.ReadLineAsync(token).ConfigureAwait(false) is { } received)
        {
            received.CloseDescriptors();
            var command = Parse(received.Text);
            var reply = ExecuteOf(command) == "qmp_capabilities"
                ? new JsonObject { ["return"] = new JsonObject() }
                : new JsonObject
                {
                    ["error"] = new JsonObject { ["class"] = "CommandNotFound", ["desc"] = "Expecting capabilities negotiation with 'qmp_capabilities'" },
                };
            if (command?["id"] is { } id)
            {
                reply["id"] = id.DeepClone();
            }

            if (!await libvirt.WriteLineAsync(reply.ToJsonString(), token).ConfigureAwait(false))
            {
                return false;
            }

            if (reply.ContainsKey("return"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>libvirt's commands to QEMU, line by line, except refused snapshots, which are answered here.</summary>
    private async Task PumpFromLibvirtAsync(QmpLineChannel libvirt, CancellationToken token)
    {
        while (await libvirt.ReadLineAsync(token).ConfigureAwait(false) is { } line)
        {
            if (Parse(line.Text) is { } command && SnapshotRefusal.ReplyTo(command) is { } refusal)
            {
                line.CloseDescriptors();
                await _log.WriteLineAsync($"{Name}: refused {ExecuteOf(command)} (an internal snapshot would not hold guest RAM)").ConfigureAwait(false);
                await libvirt.WriteLineAsync(refusal, token).ConfigureAwait(false);
                continue;
            }

            // The descriptors go with the command (QEMU keeps them for its getfd/add-fd); ours are closed after sending.
            bool forwarded = await _qemu.WriteLineAsync(line.Text, token, line.Descriptors).ConfigureAwait(false);
            line.CloseDescriptors();
            if (!forwarded)
            {
                return;
            }
        }
    }

    private static JsonObject? Parse(string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ExecuteOf(JsonObject? command) =>
        command?["execute"] is JsonValue e && e.TryGetValue(out string? name) ? name : null;

    private sealed class ProxyFailedException(string message) : Exception(message);
}
