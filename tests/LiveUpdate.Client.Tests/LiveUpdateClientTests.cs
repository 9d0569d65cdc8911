using Grpc.Core;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Client.Tests;

/// <summary>The client over a real (missing) Unix socket: the connection failure path, argument checks and disposal.</summary>
public sealed class LiveUpdateClientTests
{
    [Fact(Timeout = 60_000)]
    public async Task Call_NoDaemon_IsRetriedThenFailsUnavailable()
    {
        var retries = new List<RetryAttempt>();
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions
        {
            SocketDirectory = Path.Combine(Path.GetTempPath(), "lu-nodaemon-" + Guid.NewGuid().ToString("N")),
            MaxAttempts = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            RetryMaxDelay = TimeSpan.FromMilliseconds(5),
            OnRetry = retries.Add,
        });

        var e = await Assert.ThrowsAsync<LiveUpdateException>(() => client.StatAsync("/vm/a").WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(LiveUpdateError.Unavailable, e.Error);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.StartsWith("Stat of /vm/a failed: UNAVAILABLE", e.Message, StringComparison.Ordinal);
        Assert.Contains(client.GrpcSocketPath, e.Message, StringComparison.Ordinal);
        Assert.Equal(2, retries.Count);
    }

    [Fact(Timeout = 60_000)]
    public async Task Open_UnspecifiedAccess_IsRejectedBeforeAnyCall()
    {
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = "/nonexistent" });

        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = client.OpenAsync("/vm/a", Access.Unspecified); });
        Assert.Throws<ArgumentException>(() => { _ = client.StatAsync(""); });
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.RenameAsync("/a", null!));
    }

    [Fact(Timeout = 60_000)]
    public async Task Call_AfterDispose_ThrowsObjectDisposed()
    {
        var client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = "/nonexistent" });
        await client.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => { _ = client.GetRegionAsync(); });
    }

    [Fact(Timeout = 60_000)]
    public async Task GeneratedClients_AreExposedOnTheSameChannel()
    {
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = "/nonexistent" });

        Assert.NotNull(client.FilesClient);
        Assert.Same(client.FilesClient, client.FilesClient);
        Assert.Equal("localhost", client.Channel.Target);
    }
}
