using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// Connections to the descriptor socket kept between hand-outs: a client redeems its tokens on one pooled connection,
/// gets past one the daemon closed under it (restart, idle), and the daemon makes room at its connection limit by closing
/// the connection idle longest.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class FdConnectionReuseTests
{
    [Fact(Timeout = 120_000)]
    public async Task SequentialOpens_OnOneClient_UseOneDescriptorSocketConnection_ClosedWithTheClient()
    {
        await using var daemon = await StartWithGuestMemoryAsync("/reused");
        var client = Clients.For(daemon);
        _ = await client.StatAsync("/reused"); // its gRPC connection, made before counting
        var before = DaemonDescriptors.Sockets(daemon);

        for (var i = 0; i < 20; i++)
        {
            using var file = await client.OpenAsync("/reused", i % 2 == 0 ? Access.ReadWrite : Access.ReadOnly);
            Assert.Equal(2 * Clients.MiB, file.Size);
        }

        Assert.Equal(before + 1, DaemonDescriptors.Sockets(daemon));
        client.Dispose();

        // The gRPC and the pooled connection both closed.
        Assert.Equal(before - 1, await DaemonDescriptors.SettleAtMostAsync(daemon, before - 1, TimeSpan.FromSeconds(5), DaemonDescriptors.Sockets));
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task Open_AfterTheDaemonRestarted_GetsPastThePooledConnectionToTheOldDaemon()
    {
        await using var daemon = await StartWithGuestMemoryAsync("/survivor");
        await using var client = Clients.For(daemon);
        using (await client.OpenAsync("/survivor", Access.ReadWrite))
        {
        }

        Assert.Equal(0, await daemon.StopAsync());
        await daemon.StartAsync();

        using var reopened = await client.OpenAsync("/survivor", Access.ReadWrite);
        Assert.Equal(2 * Clients.MiB, reopened.Size);
    }

    [Fact(Timeout = 120_000)]
    public async Task AtTheConnectionLimit_ANewConnectionClosesTheOneIdleLongest_AndIsServed()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        using var channel = daemon.Channel();
        var files = new Files.FilesClient(channel);
        await files.CreateFileAsync(new CreateFileRequest { Path = "/limit", SizeBytes = 4096, Kind = FileKind.Blob });

        // The daemon keeps 256 (FdHandoutSocket.MaxConnections); each has been idle for more than a second when the next
        // one comes, so it may be closed to make room.
        var idle = new List<FdSocketClient>();
        try
        {
            for (var i = 0; i < 256; i++)
            {
                idle.Add(new FdSocketClient(daemon.FdSocketPath));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(1500));
            var open = await files.OpenAsync(new OpenRequest { Path = "/limit", Access = Access.ReadOnly });
            using var newcomer = new FdSocketClient(daemon.FdSocketPath);
            Assert.Equal(0x00, newcomer.Ask(open.Token.Span).Status);

            // The first connection was closed (end of file), the second was not: that is the limit at work, not the
            // 10 s idle timeout, which would have closed both.
            idle[0].Socket.ReceiveTimeout = 5_000;
            Assert.Equal(0, idle[0].Socket.Receive(new byte[16]));
            Assert.False(idle[1].Socket.Poll(0, System.Net.Sockets.SelectMode.SelectRead));
        }
        finally
        {
            idle.ForEach(client => client.Dispose());
        }

        Assert.Equal(0, await daemon.StopAsync());
    }

    /// <summary>A started daemon with a 2 MiB guest-memory file at <paramref name="path"/>.</summary>
    private static async Task<DaemonProcess> StartWithGuestMemoryAsync(string path)
    {
        var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        await using var admin = Clients.For(daemon);
        await admin.CreateFileAsync(path, 2 * Clients.MiB, FileKind.GuestMemory);
        return daemon;
    }
}
