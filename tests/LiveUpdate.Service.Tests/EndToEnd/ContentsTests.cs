using System.IO.Hashing;
using Google.Protobuf;
using Grpc.Core;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// Files.WriteContents and Files.ReadContents against a real daemon: round trips of every size class in odd message
/// sizes, what a replacement keeps (inode, instance id, kind, owner), and that a bad checksum, a stream cut short, the
/// size cap, the wrong kind of file or a daemon killed mid-stream leave the previous contents. Owner checks with a real
/// other uid are OtherUidTests; the freeze gate is Lifecycle/ContentsFreezeTests; malformed requests are BadInputTests.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ContentsTests
{
    private const int MiB = 1 << 20;

    public static TheoryData<int, int> Sizes => new()
    {
        { 0, 1 },
        { 1, 1 },
        { 4096, 1000 },
        { (3 * MiB) + 17, 7919 },
        { (5 * MiB) + 1, MiB },
        { 6 * MiB, 333_333 },
    };

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Sizes))]
    public async Task WriteThenRead_RoundTrips_InOddMessageSizes(int size, int chunk)
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 128L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        var vm = Guid.NewGuid();
        var created = await client.CreateFileAsync("/state", 5000, FileKind.DeviceState, vm);
        var data = Pattern(size, seed: size);

        var written = await WriteAsync(client.FilesClient, "/state", data, chunk);
        Assert.Equal((ulong)size, written.SizeBytes);
        Assert.Equal((created.Inode, created.InstanceId, created.Kind, created.VmUuid, created.OwnerUid, created.Mode),
            (written.Inode, written.InstanceId, written.Kind, written.VmUuid, written.OwnerUid, written.Mode));
        Assert.True(written.Generation > created.Generation);

        using var copy = new MemoryStream();
        Assert.Equal(size, await client.ReadContentsAsync("/state", copy));
        Assert.Equal(data, copy.ToArray());

        // The raw stream: chunks of at most 1 MiB, the last with the size and the XxHash64 of everything.
        var chunks = await ReadChunksAsync(client.FilesClient, "/state");
        Assert.All(chunks, c => Assert.InRange(c.Data.Length, 0, MiB));
        Assert.True(chunks[^1].Last && chunks.Take(chunks.Count - 1).All(c => !c.Last));
        Assert.Equal((ulong)size, chunks[^1].SizeBytes);
        Assert.Equal(XxHash64.HashToUInt64(data), chunks[^1].Checksum);
        await AssertCheckCleanAsync(client);
    }

    [Fact(Timeout = 120_000)]
    public async Task ClientMethods_ReplaceAndRead_BlobsAndDeviceState_AndTheInstanceIdStays()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 128L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        var blob = await client.CreateFileAsync("/blob", 0, FileKind.Blob);
        Assert.True(Guid.TryParseExact(blob.InstanceId, "D", out var id) && id != Guid.Empty, $"instance id '{blob.InstanceId}'");

        foreach (var size in new[] { 3 * MiB, 10, 0, MiB })
        {
            var data = Pattern(size, seed: size + 1);
            var after = await client.WriteContentsAsync("/blob", new MemoryStream(data));
            Assert.Equal((ulong)size, after.SizeBytes);
            Assert.Equal(blob.InstanceId, after.InstanceId);
            using var copy = new MemoryStream();
            Assert.Equal(size, await client.ReadContentsAsync("/blob", copy));
            Assert.Equal(data, copy.ToArray());
        }

        // A source that cannot seek is streamed once, without retries.
        var piped = Pattern(2 * MiB, seed: 9);
        Assert.Equal((ulong)piped.Length, (await client.WriteContentsAsync("/blob", new NonSeekableStream(piped))).SizeBytes);
        Assert.Equal(blob.InstanceId, (await client.StatAsync("/blob")).InstanceId);
        await AssertCheckCleanAsync(client);
    }

    [Fact(Timeout = 120_000)]
    public async Task BadChecksum_StreamWithoutLast_OrCancelled_ChangeNothing()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 128L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        await client.CreateFileAsync("/state", 0, FileKind.DeviceState);
        var old = Pattern(300_000, seed: 1);
        await client.WriteContentsAsync("/state", new MemoryStream(old));
        var before = await RegionTree.CaptureAsync(client.FilesClient);
        var free = (await client.GetRegionAsync()).FreeBytes;
        var data = Pattern(2 * MiB, seed: 2);

        var mismatch = await Assert.ThrowsAsync<RpcException>(() => WriteAsync(client.FilesClient, "/state", data, 100_000, checksum: XxHash64.HashToUInt64(data) ^ 1));
        Assert.Equal(StatusCode.DataLoss, mismatch.StatusCode);
        Assert.Contains("nothing was changed", mismatch.Status.Detail, StringComparison.Ordinal);

        var unfinished = await Assert.ThrowsAsync<RpcException>(() => WriteAsync(client.FilesClient, "/state", data, 100_000, last: false));
        Assert.Equal(StatusCode.InvalidArgument, unfinished.StatusCode);
        Assert.Contains("without a message with last set", unfinished.Status.Detail, StringComparison.Ordinal);

        // The writer goes away mid-stream.
        using (var cancel = new CancellationTokenSource())
        {
            using var call = client.FilesClient.WriteContents(cancellationToken: cancel.Token);
            await call.RequestStream.WriteAsync(new WriteContentsRequest { Path = "/state", Data = ByteString.CopyFrom(data, 0, MiB) });
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => call.ResponseAsync);
        }

        // The cancelled writer's staged extents are freed when the daemon sees the stream end, which may come after
        // the client's call has ended: wait for that before comparing the region (its free bytes included).
        Assert.Equal(free, await SettledFreeBytesAsync(client, free));
        before.AssertUnchanged(await RegionTree.CaptureAsync(client.FilesClient), "failed writes of /state");
        using var copy = new MemoryStream();
        await client.ReadContentsAsync("/state", copy);
        Assert.Equal(old, copy.ToArray());
        await AssertCheckCleanAsync(client);
    }

    [Fact(Timeout = 120_000)]
    public async Task OtherKinds_AreRefusedWithFailedPrecondition()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        await client.MakeDirectoryAsync("/dir");
        await client.CreateFileAsync("/ram", 2 * Clients.MiB, FileKind.GuestMemory);
        foreach (var path in new[] { "/dir", "/ram", "/" })
        {
            var write = await Assert.ThrowsAsync<LiveUpdateException>(() => client.WriteContentsAsync(path, new MemoryStream([1, 2, 3])));
            Assert.Equal(LiveUpdateError.FailedPrecondition, write.Error);
            Assert.Contains("only DEVICE_STATE and BLOB", write.Message, StringComparison.Ordinal);
            var read = await Assert.ThrowsAsync<LiveUpdateException>(() => client.ReadContentsAsync(path, new MemoryStream()));
            Assert.Equal(LiveUpdateError.FailedPrecondition, read.Error);
        }

        Assert.Equal(LiveUpdateError.NotFound, (await Assert.ThrowsAsync<LiveUpdateException>(() => client.WriteContentsAsync("/missing", new MemoryStream()))).Error);
    }

    [Fact(Timeout = 120_000)]
    public async Task SizeCap_MoreIsResourceExhausted_AndChangesNothing()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 128L << 20);
        await daemon.StartAsync("--max-contents-size", "2MiB");
        await using var client = Clients.For(daemon);
        await client.CreateFileAsync("/state", 0, FileKind.DeviceState);
        var exact = Pattern(2 * MiB, seed: 3);
        Assert.Equal((ulong)exact.Length, (await client.WriteContentsAsync("/state", new MemoryStream(exact))).SizeBytes);

        var over = await Assert.ThrowsAsync<LiveUpdateException>(() => client.WriteContentsAsync("/state", new MemoryStream(Pattern((2 * MiB) + 1, seed: 4))));
        Assert.Equal(LiveUpdateError.ResourceExhausted, over.Error);
        Assert.Contains("--max-contents-size", over.Message, StringComparison.Ordinal);
        using var copy = new MemoryStream();
        await client.ReadContentsAsync("/state", copy);
        Assert.Equal(exact, copy.ToArray());
        await AssertCheckCleanAsync(client);
    }

    [Fact(Timeout = 120_000)]
    public async Task DaemonKilledMidStream_TheFileKeepsItsPreviousContents_AndItsInstanceId()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 128L << 20);
        await daemon.StartAsync();
        var old = Pattern(700_000, seed: 5);
        FileInfo before;
        await using (var client = Clients.For(daemon))
        {
            await client.CreateFileAsync("/state", 0, FileKind.DeviceState);
            before = await client.WriteContentsAsync("/state", new MemoryStream(old));
            using var call = client.FilesClient.WriteContents();
            var data = Pattern(4 * MiB, seed: 6);
            for (var offset = 0; offset < 3 * MiB; offset += MiB)
            {
                await call.RequestStream.WriteAsync(new WriteContentsRequest { Path = offset == 0 ? "/state" : "", Data = ByteString.CopyFrom(data, offset, MiB) });
            }

            await daemon.KillAsync();
        }

        await daemon.StartAsync();
        await using var again = Clients.For(daemon);
        var after = await again.StatAsync("/state");
        Assert.Equal((before.Inode, before.InstanceId, before.SizeBytes, before.Generation), (after.Inode, after.InstanceId, after.SizeBytes, after.Generation));
        using var copy = new MemoryStream();
        await again.ReadContentsAsync("/state", copy);
        Assert.Equal(old, copy.ToArray());
        await AssertCheckCleanAsync(again);
    }

    [Fact(Timeout = 120_000)]
    public async Task InstanceId_SurvivesRestart_AndDiffersAfterRemoveAndCreate()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        FileInfo first;
        await using (var client = Clients.For(daemon))
        {
            await client.MakeDirectoryAsync("/vm");
            first = await client.CreateFileAsync("/vm/memory", 2 * Clients.MiB, FileKind.GuestMemory);
            Assert.Equal(first.InstanceId, (await client.ResizeAsync("/vm/memory", 4 * Clients.MiB)).InstanceId);
        }

        Assert.Equal(0, await daemon.StopAsync());
        await daemon.StartAsync();
        await using var again = Clients.For(daemon);
        Assert.Equal(first.InstanceId, (await again.StatAsync("/vm/memory")).InstanceId);
        Assert.Equal(first.InstanceId, (await again.ListAsync("/vm")).Single().InstanceId);
        await again.RemoveAsync("/vm/memory");
        var recreated = await again.CreateFileAsync("/vm/memory", 2 * Clients.MiB, FileKind.GuestMemory);
        Assert.NotEqual(first.InstanceId, recreated.InstanceId);
        Assert.NotEqual(string.Empty, recreated.InstanceId);
    }

    /// <summary>Streams <paramref name="data"/> in messages of <paramref name="chunk"/> bytes through the generated stub.</summary>
    internal static async Task<FileInfo> WriteAsync(Files.FilesClient files, string path, byte[] data, int chunk, ulong? checksum = null, bool last = true)
    {
        using var call = files.WriteContents();
        var offset = 0;
        do
        {
            var count = Math.Min(chunk, data.Length - offset);
            var message = new WriteContentsRequest { Path = offset == 0 ? path : string.Empty, Data = ByteString.CopyFrom(data, offset, count) };
            offset += count;
            if (offset == data.Length && last)
            {
                message.Last = true;
                message.Checksum = checksum ?? XxHash64.HashToUInt64(data);
            }

            await call.RequestStream.WriteAsync(message);
        }
        while (offset < data.Length);

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    private static async Task<List<ContentsChunk>> ReadChunksAsync(Files.FilesClient files, string path)
    {
        using var call = files.ReadContents(new ReadContentsRequest { Path = path });
        var chunks = new List<ContentsChunk>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            chunks.Add(call.ResponseStream.Current);
        }

        return chunks;
    }

    /// <summary>The region's free bytes once the daemon has abandoned a cancelled stream (it notices the cancellation a moment later).</summary>
    private static async Task<ulong> SettledFreeBytesAsync(LiveUpdateClient client, ulong expected)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var free = (await client.GetRegionAsync()).FreeBytes;
            if (free == expected)
            {
                return free;
            }

            await Task.Delay(50);
        }

        return (await client.GetRegionAsync()).FreeBytes;
    }

    private static async Task AssertCheckCleanAsync(LiveUpdateClient client)
    {
        var check = await client.CheckAsync();
        Assert.True(check.Clean, $"Check found problems: {check}");
    }

    internal static byte[] Pattern(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A read-only stream over bytes that says it cannot seek (a pipe, for the client).</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }
}
