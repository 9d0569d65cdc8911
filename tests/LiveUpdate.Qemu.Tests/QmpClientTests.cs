using System.Text.Json.Nodes;
using LiveUpdate.Qemu.Qmp;

namespace LiveUpdate.Qemu.Tests;

public sealed class QmpClientTests
{
    private static async Task<(QmpPeer Peer, QmpClient Client)> ConnectAsync()
    {
        var peer = new QmpPeer();
        var accepted = peer.AcceptAndNegotiateAsync();
        var client = await QmpClient.ConnectAsync(peer.SocketPath, CancellationToken.None);
        await accepted;
        return (peer, client);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_ReadsTheGreeting_AndNegotiatesCapabilities()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            Assert.Equal("10.0.2", client.QemuVersion);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task Execute_EventsBetweenCommandAndReply_AreRoutedToTheirWaiters()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            var stopped = client.WaitForEventAsync("STOP", _ => true, CancellationToken.None);
            var completed = client.WaitForEventAsync("MIGRATION", d => d?["status"]?.GetValue<string>() == "completed", CancellationToken.None);
            var reply = client.ExecuteAsync("stop");
            var request = await peer.ReadAsync();
            Assert.Equal("stop", request["execute"]!.GetValue<string>());
            Assert.False(request.ContainsKey("arguments"));
            await peer.SendAsync("""{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}""");
            await peer.SendAsync("""{"event": "MIGRATION", "data": {"status": "setup"}}""");
            await peer.SendAsync($$"""{"return": {}, "id": {{request["id"]!.ToJsonString()}}}""");
            Assert.NotNull(await reply);
            await stopped;
            Assert.False(completed.IsCompleted);
            await peer.SendAsync("""{"event": "MIGRATION", "data": {"status": "completed"}}""");
            Assert.Equal("completed", (await completed)!["status"]!.GetValue<string>());
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task Execute_SendsArguments_AndReturnsTheReturnValue()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            var reply = client.ExecuteAsync("migrate", new JsonObject { ["uri"] = "file:/x,offset=48" });
            var request = await peer.ReadAsync();
            Assert.Equal("file:/x,offset=48", request["arguments"]!["uri"]!.GetValue<string>());
            // A reply with another id is not this command's.
            await peer.SendAsync("""{"return": {"status": "wrong"}, "id": 999}""");
            await peer.SendAsync($$"""{"return": {"status": "running"}, "id": {{request["id"]!.ToJsonString()}}}""");
            Assert.Equal("running", (await reply)!["status"]!.GetValue<string>());
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task Execute_ErrorReply_ThrowsWithClassAndDescription()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            var reply = client.ExecuteAsync("migrate-incoming");
            var request = await peer.ReadAsync();
            await peer.SendAsync($$"""{"error": {"class": "GenericError", "desc": "Invalid argument"}, "id": {{request["id"]!.ToJsonString()}}}""");
            var e = await Assert.ThrowsAsync<QmpException>(() => reply);
            Assert.Equal("GenericError", e.ErrorClass);
            Assert.Equal("QMP migrate-incoming: Invalid argument", e.Message);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task MonitorClosing_FailsThePendingCommandAndEventWaiters_AndLaterCommands()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            var waiter = client.WaitForEventAsync("MIGRATION", _ => true, CancellationToken.None);
            var reply = client.ExecuteAsync("quit");
            await peer.ReadAsync();
            peer.Close();
            var e = await Assert.ThrowsAsync<QmpException>(() => reply);
            Assert.Null(e.ErrorClass);
            Assert.Contains("the monitor closed", e.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<QmpException>(() => waiter);
            await Assert.ThrowsAsync<QmpException>(() => client.ExecuteAsync("cont"));
            await client.Closed;
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task Garbage_BreaksTheMonitor()
    {
        var (peer, client) = await ConnectAsync();
        await using (peer)
        await using (client)
        {
            var reply = client.ExecuteAsync("query-status");
            await peer.ReadAsync();
            await peer.SendAsync("this is not json");
            var e = await Assert.ThrowsAsync<QmpException>(() => reply);
            Assert.Contains("not JSON", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task Connect_PeerWhoseFirstLineIsNotAGreeting_Fails()
    {
        await using var peer = new QmpPeer();
        var accepted = peer.AcceptAsync("""{"return": {}}""");
        var e = await Assert.ThrowsAsync<QmpException>(() => QmpClient.ConnectAsync(peer.SocketPath, CancellationToken.None));
        Assert.Contains("not a QMP greeting", e.Message, StringComparison.Ordinal);
        await accepted;
    }
}
