using LiveUpdate.Client.Tests.Support;
using LiveUpdate.Protocol;
using LiveUpdate.Protocol.V1;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Client.Tests;

/// <summary>
/// The whole client against an in-process fake daemon: gRPC over a Unix socket (Kestrel, HTTP/2) and a real fd socket.
/// The real daemon's multi-process tests live with the daemon.
/// </summary>
public sealed class LiveUpdateClientEndToEndTests
{
    private const ulong MiB = 1 << 20;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 60_000)]
    public async Task OpenAsync_ReceivesTheDescriptor_AndMapShowsTheFileContiguously()
    {
        await using FakeDaemonFixture world = await FakeDaemonFixture.StartAsync();
        world.Service.AddFile("/vm/a", 6 * MiB, 0, 4 * MiB, 2 * MiB);

        using OpenedFile file = await world.Client.OpenAsync("/vm/a", Access.ReadOnly).WaitAsync(s_timeout);
        using MappedFile mapped = file.Map(writable: false);

        Assert.Equal(8 * MiB, file.Size);
        Assert.Equal(Access.ReadOnly, file.Access);
        Assert.Equal(world.Region.Path, file.RegionPath);
        Assert.Equal([6 * MiB, 0, 4 * MiB, 2 * MiB], file.Extents.Select(e => e.RegionOffset));
        Assert.Equal(world.Service.IssuedTokens.Single(), world.Service.FdServer.Requests.Single());
        ulong[] regionChunks = [6, 0, 4, 2];
        for (int i = 0; i < 4; i++)
        {
            ReadOnlySpan<byte> expected = world.Region.Bytes.AsSpan((int)(regionChunks[i] * MiB), (int)(2 * MiB));
            Assert.True(mapped.GetReadOnlySpan(i * 2L * (long)MiB, (int)(2 * MiB)).SequenceEqual(expected), $"chunk {i}");
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task MapAsync_ReadWrite_WritesReachTheRegion()
    {
        await using FakeDaemonFixture world = await FakeDaemonFixture.StartAsync();
        world.Service.AddFile("/vm/b", 2 * MiB);

        using (MappedFile mapped = await world.Client.MapAsync("/vm/b", writable: true, prefault: true).WaitAsync(s_timeout))
        {
            mapped.GetSpan(100, 4).Fill(0x5A);
        }

        byte[] bytes = new byte[4];
        using (Microsoft.Win32.SafeHandles.SafeFileHandle region = world.Region.Open(FileAccess.Read))
        {
            RandomAccess.Read(region, bytes, (long)(2 * MiB) + 100);
        }

        Assert.Equal([0x5A, 0x5A, 0x5A, 0x5A], bytes);
    }

    [Fact(Timeout = 60_000)]
    public async Task OpenAsync_ReadOnlyHandout_CannotBeMappedWritable()
    {
        await using FakeDaemonFixture world = await FakeDaemonFixture.StartAsync();
        world.Service.AddFile("/vm/c", 0);

        using OpenedFile file = await world.Client.OpenAsync("/vm/c", Access.ReadOnly).WaitAsync(s_timeout);
        var e = Assert.Throws<LiveUpdateException>(() => file.Map(writable: true));

        Assert.Equal(LiveUpdateError.PermissionDenied, e.Error);
        Assert.Equal(13, e.Errno);
    }

    [Fact(Timeout = 60_000)]
    public async Task OpenAsync_FdSocketRefuses_ThrowsHandoutFailedWithoutRetrying()
    {
        await using FakeDaemonFixture world = await FakeDaemonFixture.StartAsync();
        world.Service.AddFile("/vm/a", 0);
        world.Service.HandoutFailure = HandoutStatus.PeerUidMismatch;

        var e = await Assert.ThrowsAsync<LiveUpdateException>(() => world.Client.OpenAsync("/vm/a", Access.ReadWrite).WaitAsync(s_timeout));

        Assert.Equal(LiveUpdateError.HandoutFailed, e.Error);
        Assert.Equal(HandoutStatus.PeerUidMismatch, e.HandoutStatus);
        Assert.Equal("refused: PeerUidMismatch", e.ServerMessage);
        Assert.Empty(world.Retries);
    }

    [Fact(Timeout = 60_000)]
    public async Task Calls_TranslateStatusCodes_AndRoundTripMessages()
    {
        await using FakeDaemonFixture world = await FakeDaemonFixture.StartAsync();
        var uuid = Guid.Parse("0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0");

        FileInfo created = await world.Client.CreateFileAsync("/vm/new", 4 * MiB, FileKind.GuestMemory, uuid, ownerUid: 1000, mode: 0x1A0).WaitAsync(s_timeout);
        var exists = await Assert.ThrowsAsync<LiveUpdateException>(() => world.Client.CreateFileAsync("/vm/new", 4 * MiB, FileKind.GuestMemory).WaitAsync(s_timeout));
        var missing = await Assert.ThrowsAsync<LiveUpdateException>(() => world.Client.StatAsync("/vm/none").WaitAsync(s_timeout));
        IReadOnlyList<FileInfo> listed = await world.Client.ListAsync().WaitAsync(s_timeout);
        RegionInfo region = await world.Client.GetRegionAsync().WaitAsync(s_timeout);
        await world.Client.RemoveAsync("/vm/new").WaitAsync(s_timeout);
        var unimplemented = await Assert.ThrowsAsync<LiveUpdateException>(() => world.Client.ResizeAsync("/vm/x", 0).WaitAsync(s_timeout));

        Assert.Equal("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", created.VmUuid);
        Assert.Equal(1000u, created.OwnerUid);
        Assert.Equal(0x1A0u, created.Mode);
        Assert.Equal(LiveUpdateError.AlreadyExists, exists.Error);
        Assert.Equal(LiveUpdateError.NotFound, missing.Error);
        Assert.Equal("'/vm/none' does not exist", missing.ServerMessage);
        Assert.Equal("/vm/new", Assert.Single(listed).Path);
        Assert.Equal(1UL, region.FileCount);
        Assert.Equal(LiveUpdateError.Unknown, unimplemented.Error);
        Assert.Equal(Grpc.Core.StatusCode.Unimplemented, unimplemented.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Calls_DaemonReconciling_AreRetriedUntilItAnswers()
    {
        await using FakeDaemonFixture world = await FakeDaemonFixture.StartAsync();
        world.Service.AddFile("/vm/a", 0);
        world.Service.FailNextCallsUnavailable(3);

        using OpenedFile file = await world.Client.OpenAsync("/vm/a", Access.ReadOnly).WaitAsync(s_timeout);

        Assert.False(file.Handle.IsInvalid);
        Assert.Equal(3, world.Retries.Count);
        Assert.All(world.Retries, r => Assert.Equal(LiveUpdateError.Unavailable, r.Failure.Error));
        Assert.Equal([1, 2, 3], world.Retries.Select(r => r.AttemptNumber));
    }

    [Fact(Timeout = 60_000)]
    public async Task Calls_DaemonNotYetStarted_AreRetriedUntilItListens()
    {
        await using FakeDaemonFixture world = await FakeDaemonFixture.StartAsync(startDaemon: false);
        world.Service.AddFile("/vm/a", 0);
        Task<RegionInfo> call = world.Client.GetRegionAsync();
        await WaitForRetriesAsync(world, 2, call);

        await world.Daemon.StartAsync();
        RegionInfo region = await call.WaitAsync(s_timeout);

        Assert.Equal(1UL, region.FileCount);
        Assert.True(world.Retries.Count >= 2);
        Assert.All(world.Retries, r => Assert.Equal(Grpc.Core.StatusCode.Unavailable, r.Failure.StatusCode));
    }

    [Fact(Timeout = 60_000)]
    public async Task Calls_DaemonRestarts_TheClientReconnects()
    {
        await using FakeDaemonFixture world = await FakeDaemonFixture.StartAsync();
        world.Service.AddFile("/vm/a", 0);
        Assert.Equal("/vm/a", (await world.Client.StatAsync("/vm/a").WaitAsync(s_timeout)).Path);

        await world.Daemon.StopAsync();
        Task<FileInfo> during = world.Client.StatAsync("/vm/a");
        await WaitForRetriesAsync(world, 1, during);

        await world.Daemon.StartAsync();
        using OpenedFile file = await world.Client.OpenAsync("/vm/a", Access.ReadOnly).WaitAsync(s_timeout);

        Assert.Equal("/vm/a", (await during.WaitAsync(s_timeout)).Path);
        Assert.False(file.Handle.IsInvalid);
    }

    /// <summary>
    /// Waits until the client has retried <paramref name="count"/> times; a call that ends first (it failed without
    /// retrying) fails the test with its own exception, and so does a wait past the timeout, instead of hanging the run.
    /// </summary>
    private static async Task WaitForRetriesAsync(FakeDaemonFixture world, int count, Task call)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (RetriesOf(world) < count)
        {
            if (call.IsCompleted)
            {
                await call;
                Assert.Fail($"the call succeeded after {RetriesOf(world)} retries; expected at least {count} first");
            }

            Assert.True(DateTime.UtcNow < deadline, $"no {count} retries within {s_timeout.TotalSeconds} s (saw {RetriesOf(world)})");
            await Task.Delay(10);
        }
    }

    private static int RetriesOf(FakeDaemonFixture world)
    {
        lock (world.Retries)
        {
            return world.Retries.Count;
        }
    }
}
