using Google.Protobuf;
using Grpc.Core;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests;
using Xunit.Abstractions;

namespace LiveUpdate.Fuzz.Tests.Daemon;

/// <summary>
/// Random valid protobuf requests into every RPC of every liveupdate.v1 service (unary, client- and server-streaming),
/// generated from the descriptors (<see cref="RandomRequests"/>), against a real daemon, as root and as uid 65534.
/// Every call must answer a status that is not INTERNAL or UNKNOWN (an exception escaping a handler), a unary call
/// must answer at all, a refused call must leave <see cref="DaemonState"/> equal, and the daemon must still serve
/// afterwards with the same pid. Successful calls change the state (the next call is compared with the new one); a
/// seed tree of a directory, a blob, guest memory and device state of one VM is put back every few calls so that
/// requests keep reaching existing files. The seed and count are fixed (<see cref="FuzzBudget"/>).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class RpcFuzzTests(RunningDaemon fixture, ITestOutputHelper output) : IClassFixture<RunningDaemon>
{
    private const int CiCallsAsRoot = 1000;
    private const int CiCallsAsOtherUid = 400;
    private const int ReseedEvery = 40;
    private static readonly TimeSpan s_callDeadline = TimeSpan.FromSeconds(10);

    private readonly Dma.DmaClient _dma = new(fixture.Channel);
    private readonly Lifecycle.LifecycleClient _lifecycle = new(fixture.Channel);

    [Fact(Timeout = 600_000)]
    public async Task EveryRpc_RandomValidRequestsAsRoot_AnswerAStatusAndRefusalsChangeNothing()
    {
        await FuzzAsync("rpc as root", fixture.Channel.CreateCallInvoker(), FuzzBudget.Iterations(CiCallsAsRoot));
    }

    [Fact(Timeout = 600_000)]
    public async Task EveryRpc_RandomValidRequestsAsAnotherUid_AnswerAStatusAndRefusalsChangeNothing()
    {
        Assert.True(RunningDaemon.IsRoot, "acting as uid 65534 needs root (setpriv)");
        await using var relay = await UidRelay.StartAsync(RunningDaemon.NobodyUid, RunningDaemon.NobodyUid, fixture.Daemon.GrpcSocketPath);
        using var channel = DaemonProcess.Channel(relay.SocketPath);
        await FuzzAsync("rpc as uid 65534", channel.CreateCallInvoker(), FuzzBudget.Iterations(CiCallsAsOtherUid));
    }

    private async Task FuzzAsync(string target, CallInvoker invoker, int calls)
    {
        var pid = fixture.Daemon.Pid;
        var random = new Random(FuzzBudget.Seed(target));
        var tally = new FuzzTally(target);
        var state = await ReseedAsync();
        var requests = new RandomRequests(random, () => state.Paths);
        for (var i = 0; i < calls; i++)
        {
            if (i % ReseedEvery == 0)
            {
                state = await ReseedAsync();
            }

            var method = GenericCall.Methods[random.Next(GenericCall.Methods.Count)];
            IMessage[] sent = [.. Enumerable.Range(0, method.IsClientStreaming ? random.Next(1, 5) : 1).Select(_ => requests.Message(method.InputType))];
            CallOutcome outcome;
            try
            {
                outcome = await GenericCall.InvokeAsync(invoker, method, sent, s_callDeadline);
            }
            catch (Exception ex)
            {
                tally.Add($"{method.Name} client exception", $"the call failed outside gRPC: {ex}", () => Describe(method.Name, sent));
                continue;
            }

            var after = await DaemonState.CaptureAsync(fixture.Files, _dma);
            var refused = outcome.Status != StatusCode.OK;
            var failure = outcome.Status is StatusCode.Internal or StatusCode.Unknown ? $"{outcome.Status}: {outcome.Detail}"
                : outcome.Status == StatusCode.DeadlineExceeded && !method.IsServerStreaming ? $"no answer within {s_callDeadline.TotalSeconds} s"
                : refused && state.Difference(after) is { } changed ? $"refused with {outcome.Status} ({outcome.Detail}), yet {changed}"
                : null;
            tally.Add($"{method.Name} {(outcome.EndedByClient ? "streaming" : outcome.Status)}", failure, () => Describe(method.Name, sent));
            state = after;
            if (method.Name == nameof(Lifecycle.LifecycleClient.Freeze))
            {
                // A freeze that took hold would refuse every later change: thaw, so the daemon stays usable.
                state = await ThawAsync();
            }
        }

        Assert.False(fixture.Daemon.Output.Contains("Unhandled exception", StringComparison.Ordinal), fixture.Daemon.Output);
        Assert.Equal(pid, fixture.Daemon.Pid);
        _ = await fixture.Files.GetRegionAsync(new GetRegionRequest(), deadline: DateTime.UtcNow + s_callDeadline);
        tally.AssertNoFailure(output);
    }

    /// <summary>Thaws (a refusal is fine: nothing was frozen), then captures the state.</summary>
    private async Task<DaemonState> ThawAsync()
    {
        try
        {
            await _lifecycle.ThawAsync(new ThawRequest(), deadline: DateTime.UtcNow + s_callDeadline);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
        {
        }

        return await DaemonState.CaptureAsync(fixture.Files, _dma);
    }

    /// <summary>Puts back whatever of the seed tree a successful call removed or replaced; returns the state after.</summary>
    private async Task<DaemonState> ReseedAsync()
    {
        await ThawAsync();
        var vm = RandomRequests.SeedVm.ToString();
        await Ensure(() => fixture.Files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/fuzz", Mode = 0x1FF }));
        await Ensure(() => fixture.Files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/fuzz/dir" }));
        await Ensure(() => fixture.Files.CreateFileAsync(new CreateFileRequest { Path = "/fuzz/blob", SizeBytes = 4096, Kind = FileKind.Blob }));
        await Ensure(() => fixture.Files.CreateFileAsync(new CreateFileRequest { Path = "/fuzz/ram", SizeBytes = 2 << 20, Kind = FileKind.GuestMemory, VmUuid = vm }));
        await Ensure(() => fixture.Files.CreateFileAsync(new CreateFileRequest { Path = "/fuzz/state", SizeBytes = 8192, Kind = FileKind.DeviceState, VmUuid = vm }));
        return await DaemonState.CaptureAsync(fixture.Files, _dma);
    }

    /// <summary>Runs a seeding call; the entry may exist already, or the region may be full of what the fuzzing created.</summary>
    private static async Task Ensure<T>(Func<AsyncUnaryCall<T>> call)
    {
        try
        {
            await call();
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.AlreadyExists or StatusCode.ResourceExhausted or StatusCode.FailedPrecondition)
        {
        }
    }

    private static string Describe(string method, IMessage[] sent)
    {
        var text = method + " " + string.Join(" | ", sent.Select(m => m.ToString()));
        return text.Length <= 600 ? text : text[..600] + "…";
    }
}
