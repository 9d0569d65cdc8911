using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Limits;

/// <summary>
/// Streaming calls per uid and in total (docs/design.md §13; --max-streams-per-uid, --max-streams) as real uids: a peer
/// holds open WriteContents streams until the test lets it go; one more is RESOURCE_EXHAUSTED naming the limit, while
/// another uid (per-uid limit) or root (total, with the administrators' headroom) still streams. Needs root (setpriv).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class StreamLimitTests
{
    private const uint OtherUid = 60002;

    [RootFact(Timeout = 240_000)]
    public async Task UidHoldingItsStreams_IsRefusedNamingTheLimit_AnotherUidAndRootStillStream()
    {
        await using var daemon = await LimitedDaemon.StartAsync(64L << 20, "--max-streams-per-uid", "3");
        await using var pacing = new PacingDirectory();
        await daemon.Files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/n", OwnerUid = RunningDaemon.NobodyUid });
        await daemon.Files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/o", OwnerUid = OtherUid });
        Assert.Equal("OK", (await TestPeer.RunAsync(RunAs.Nobody, daemon.SocketDirectory, "create /n/w 0 blob"))[0].Result);

        var holder = TestPeer.RunAsync(RunAs.Nobody, daemon.SocketDirectory, "hold-writes /n/w 3", $"touch {pacing.Held}", $"await {pacing.Go}");
        await pacing.WaitHeldAsync(holder);

        var other = await TestPeer.RunAsync(new RunAs(OtherUid, RunningDaemon.NobodyUid), daemon.SocketDirectory, "create /o/w 0 blob", "write /o/w 5000");
        Assert.All(other, o => Assert.True(o.Result == "OK", $"{o.Result}: {o.Detail}"));
        await RootWritesAsync(daemon);

        pacing.Release();
        var held = await holder;
        Assert.Equal("OK", held[0].Result);
        Assert.Equal("held=3 refused=ResourceExhausted: limit: uid 65534 holds 3 streaming calls, its limit (--max-streams-per-uid 3); close some and retry", held[0].Detail);
    }

    [RootFact(Timeout = 240_000)]
    public async Task StreamsOfAllUidsAtTheTotal_AreRefusedNamingTheLimit_RootStillStreams()
    {
        await using var daemon = await LimitedDaemon.StartAsync(64L << 20, "--max-streams", "4", "--max-streams-per-uid", "0");
        await using var pacing = new PacingDirectory();
        await daemon.Files.MakeDirectoryAsync(new MakeDirectoryRequest { Path = "/n", OwnerUid = RunningDaemon.NobodyUid });
        Assert.Equal("OK", (await TestPeer.RunAsync(RunAs.Nobody, daemon.SocketDirectory, "create /n/w 0 blob"))[0].Result);

        var holder = TestPeer.RunAsync(RunAs.Nobody, daemon.SocketDirectory, "hold-writes /n/w 4", $"touch {pacing.Held}", $"await {pacing.Go}");
        await pacing.WaitHeldAsync(holder);
        await RootWritesAsync(daemon);
        pacing.Release();

        var held = await holder;
        Assert.StartsWith("held=4 refused=ResourceExhausted: limit: 4 streaming calls are open, the limit (--max-streams 4)", held[0].Detail, StringComparison.Ordinal);
    }

    private static async Task RootWritesAsync(LimitedDaemon daemon)
    {
        await daemon.Files.CreateFileAsync(new CreateFileRequest { Path = $"/root-{Guid.NewGuid():N}", SizeBytes = 0, Kind = FileKind.Blob });
        await using var client = Clients.For(daemon.Daemon);
        var path = $"/root-state-{Guid.NewGuid():N}";
        await client.CreateFileAsync(path, 0, FileKind.Blob);
        var written = await client.WriteContentsAsync(path, new MemoryStream(new byte[5000]));
        Assert.Equal(5000UL, written.SizeBytes);
    }

    /// <summary>A directory every uid may write, where a peer says it holds its streams and waits to be let go.</summary>
    private sealed class PacingDirectory : IAsyncDisposable
    {
        private readonly string _path = Directory.CreateTempSubdirectory("lu-limits-").FullName;

        public PacingDirectory() => File.SetUnixFileMode(_path, (UnixFileMode)0x1FF);

        public string Held => Path.Combine(_path, "held");

        public string Go => Path.Combine(_path, "go");

        public async Task WaitHeldAsync(Task peer)
        {
            while (!File.Exists(Held))
            {
                Assert.False(peer.IsCompleted, "the peer ended before it held its streams");
                await Task.Delay(20);
            }
        }

        public void Release() => File.WriteAllText(Go, string.Empty);

        public ValueTask DisposeAsync()
        {
            Directory.Delete(_path, recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}
