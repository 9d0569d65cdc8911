using System.Net.Sockets;
using LiveUpdate.Protocol;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests;
using LiveUpdate.Service.Tests.EndToEnd;
using Xunit.Abstractions;

namespace LiveUpdate.Fuzz.Tests.Daemon;

/// <summary>
/// The descriptor socket's request decoder (Handout/FdHandoutSocket.Requests.cs) fed random messages on a real daemon's
/// fd.sock: random bytes of every length from 1 to past the receive buffer, a real unredeemed token with bits flipped,
/// cut short or lengthened, and (through python3, which can attach descriptors) messages carrying a descriptor. Every
/// message gets a refusal with the documented status (an empty one closes the connection), no message consumes a token
/// it does not present exactly (the real token still redeems afterwards), the region tree is unchanged, and the daemon
/// serves on with the same pid.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class FdSocketFuzzTests(RunningDaemon fixture, ITestOutputHelper output) : IClassFixture<RunningDaemon>
{
    private const int CiMessages = 10_000;
    private const int CiMessagesWithDescriptors = 200;

    /// <summary>A real token is checked (redeemed) and replaced this often: well within its 30 s life.</summary>
    private const int SentinelEvery = 200;

    private const string File = "/fuzz-fd/blob";

    /// <summary>Sends each message (hex, one per argument) with a descriptor of /dev/null attached; prints each answer's status byte.</summary>
    private const string SendWithDescriptors = """
        import os, socket, sys
        path, messages = sys.argv[1], sys.argv[2:]
        null = os.open("/dev/null", os.O_RDONLY)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(path)
        for message in messages:
            socket.send_fds(s, [bytes.fromhex(message)], [null])
            answer = s.recv(4096)
            print(answer[0] if answer else "closed")
        """;

    [Fact(Timeout = 300_000)]
    public async Task FdSocket_RandomMessages_AreRefusedAndConsumeNoTokenTheyDoNotPresent()
    {
        await CreateFileAsync();
        var before = await RegionTree.CaptureAsync(fixture.Files);
        var pid = fixture.Daemon.Pid;
        var random = new Random(FuzzBudget.Seed("fd-socket message"));
        var tally = new FuzzTally("fd-socket message");
        var socket = Connect();
        byte[]? sentinel = null;
        try
        {
            var messages = FuzzBudget.Iterations(CiMessages);
            for (var i = 0; i < messages; i++)
            {
                if (i % SentinelEvery == 0)
                {
                    sentinel = await RenewSentinelAsync(sentinel, tally);
                }

                var (message, description) = Draw(random, sentinel!);
                socket.Send(message);
                var answer = new byte[4096];
                var received = socket.Receive(answer);
                string outcome;
                string? failure = null;
                if (message.Length == 0)
                {
                    outcome = received == 0 ? "empty: connection closed" : $"empty: answered {answer[0]}";
                    failure = received == 0 ? null : "an empty message must close the connection";
                }
                else
                {
                    var expected = message.Length == HandoutToken.Size ? HandoutStatus.UnknownToken : HandoutStatus.MalformedRequest;
                    var status = received > 0 ? (HandoutStatus)answer[0] : (HandoutStatus?)null;
                    outcome = status?.ToString() ?? "closed without an answer";
                    failure = status == expected ? null : $"answered {outcome}, expected {expected}";
                }

                tally.Add(outcome, failure, () => description);
                if (received == 0)
                {
                    socket.Dispose();
                    socket = Connect();
                }
            }

            await RenewSentinelAsync(sentinel, tally);
        }
        finally
        {
            socket.Dispose();
        }

        before.AssertUnchanged(await RegionTree.CaptureAsync(fixture.Files), "random messages on the descriptor socket");
        Assert.Equal(pid, fixture.Daemon.Pid);
        tally.AssertNoFailure(output);
    }

    [Fact(Timeout = 300_000)]
    public async Task FdSocket_RandomMessagesCarryingDescriptors_AreRefusedAndOnlyAPresentedTokenIsConsumed()
    {
        await CreateFileAsync();
        var random = new Random(FuzzBudget.Seed("fd-socket message with a descriptor"));
        var tally = new FuzzTally("fd-socket message with a descriptor");
        var sentinel = await OpenAsync();
        var presented = await OpenAsync();
        var messages = new List<byte[]>();
        for (var i = FuzzBudget.Iterations(CiMessagesWithDescriptors); i > 0; i--)
        {
            messages.Add(Draw(random, sentinel).Message is { Length: > 0 and <= 256 } message ? message : [1]);
        }

        // Last, a real token with a descriptor attached: refused, and consumed by that first presentation (files.proto).
        messages.Add(presented);
        var answers = (await Python.RunAsync(SendWithDescriptors, [fixture.Daemon.FdSocketPath, .. messages.Select(Convert.ToHexString)])).Split('\n');
        Assert.Equal(messages.Count, answers.Length);
        for (var i = 0; i < messages.Count; i++)
        {
            var status = byte.TryParse(answers[i], out var value) ? ((HandoutStatus)value).ToString() : answers[i];
            tally.Add(status, status == nameof(HandoutStatus.MalformedRequest) ? null : $"answered {status}, expected {HandoutStatus.MalformedRequest}",
                () => Convert.ToHexString(messages[i]));
        }

        using var client = new FdSocketClient(fixture.Daemon.FdSocketPath);
        Assert.Equal((byte)HandoutStatus.UnknownToken, client.Ask(presented).Status);
        Assert.Equal((byte)HandoutStatus.Ok, client.Ask(sentinel).Status);
        tally.AssertNoFailure(output);
    }

    /// <summary>One message: random bytes (lengths 0 to past the 64-byte receive buffer) or the sentinel token damaged.</summary>
    private static (byte[] Message, string Description) Draw(Random random, byte[] sentinel)
    {
        switch (random.Next(8))
        {
            case 0:
                var flipped = (byte[])sentinel.Clone();
                var bit = random.Next(HandoutToken.Size * 8);
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                return (flipped, $"the token with bit {bit} flipped");
            case 1:
                var cut = random.Next(HandoutToken.Size);
                return (sentinel[..cut], $"the token cut to {cut} bytes");
            case 2:
                var extra = new byte[random.Next(1, 64)];
                random.NextBytes(extra);
                return ([.. sentinel, .. extra], $"the token and {extra.Length} more bytes");
            case 3:
                return (new byte[HandoutToken.Size], "16 zero bytes");
            default:
                var length = random.Next(6) switch
                {
                    0 => HandoutToken.Size,
                    1 => random.Next(65, 70_000),
                    2 => random.Next(0, 3),
                    _ => random.Next(1, 65),
                };
                var bytes = new byte[length];
                random.NextBytes(bytes);
                return (bytes, $"{length} random bytes: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(length, 32)))}…");
        }
    }

    /// <summary>Redeems the current real token (it must still work: nothing consumed it) and issues the next.</summary>
    private async Task<byte[]> RenewSentinelAsync(byte[]? sentinel, FuzzTally tally)
    {
        if (sentinel is not null)
        {
            using var client = new FdSocketClient(fixture.Daemon.FdSocketPath);
            var (status, text) = client.Ask(sentinel);
            tally.Add("the real token: " + (HandoutStatus)status, status == (byte)HandoutStatus.Ok ? null : $"the real token was refused: {text}",
                () => "the real token, presented after the fuzzed messages");
        }

        return await OpenAsync();
    }

    private async Task<byte[]> OpenAsync() =>
        (await fixture.Files.OpenAsync(new OpenRequest { Path = File, Access = Access.ReadOnly })).Token.ToByteArray();

    private async Task CreateFileAsync()
    {
        try
        {
            await fixture.Files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/fuzz-fd" });
            await fixture.Files.CreateFileAsync(new CreateFileRequest { Path = File, SizeBytes = 4096, Kind = FileKind.Blob });
        }
        catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.AlreadyExists)
        {
        }
    }

    private Socket Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified) { ReceiveTimeout = 10_000 };
        socket.Connect(new UnixDomainSocketEndPoint(fixture.Daemon.FdSocketPath));
        return socket;
    }
}
