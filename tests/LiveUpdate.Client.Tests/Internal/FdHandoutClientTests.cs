using System.IO.Pipes;
using System.Net.Sockets;
using LiveUpdate.Client.Internal;
using LiveUpdate.Client.Tests.Support;
using LiveUpdate.Protocol;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Client.Tests.Internal;

/// <summary>The descriptor hand-out client against a real SOCK_SEQPACKET server passing real descriptors.</summary>
public sealed class FdHandoutClientTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private static readonly byte[] s_token = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];

    [Fact]
    public void Redeem_Success_ReturnsTheServersDescriptor()
    {
        using var file = new ShmFile(64 * 1024, seed: 7);
        using SafeFileHandle served = file.Open(FileAccess.Read);
        using var server = new SeqPacketServer(_ => ServerReply.Success(served));

        using SafeFileHandle received = FdHandoutClient.Redeem(server.SocketPath, s_token, s_timeout, CancellationToken.None);

        Assert.False(received.IsInvalid);
        Assert.NotEqual(served.DangerousGetHandle(), received.DangerousGetHandle());
        var bytes = new byte[4096];
        Assert.Equal(bytes.Length, RandomAccess.Read(received, bytes, 8192));
        Assert.Equal(file.Bytes.AsSpan(8192, 4096).ToArray(), bytes);
        Assert.Equal(s_token, Assert.Single(server.Requests));
    }

    [Fact]
    public void Redeem_Success_DescriptorIsCloseOnExec()
    {
        using var file = new ShmFile(4096);
        using SafeFileHandle served = file.Open(FileAccess.Read);
        using var server = new SeqPacketServer(_ => ServerReply.Success(served));

        using SafeFileHandle received = FdHandoutClient.Redeem(server.SocketPath, s_token, s_timeout, CancellationToken.None);

        string fdinfo = File.ReadAllText($"/proc/self/fdinfo/{received.DangerousGetHandle()}");
        string flagsLine = fdinfo.Split('\n').Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        int flags = Convert.ToInt32(flagsLine["flags:".Length..].Trim(), 8);
        Assert.NotEqual(0, flags & 0x80000); // O_CLOEXEC
    }

    [Fact]
    public void Redeem_OnAnEarlyConnection_UsesIt()
    {
        using var file = new ShmFile(4096, seed: 5);
        using SafeFileHandle served = file.Open(FileAccess.Read);
        using var server = new SeqPacketServer(_ => ServerReply.Success(served));
        using Socket? early = FdHandoutClient.TryConnectEarly(server.SocketPath, s_timeout);
        Assert.NotNull(early);

        // The path given for a fresh connection does not exist: success proves the early connection carried the token.
        using SafeFileHandle received = FdHandoutClient.Redeem(
            null, early, Path.Combine(server.Directory, "absent.sock"), s_token, s_timeout, CancellationToken.None);

        var bytes = new byte[4096];
        Assert.Equal(bytes.Length, RandomAccess.Read(received, bytes, 0));
        Assert.Equal(file.Bytes, bytes);
        Assert.Equal(s_token, Assert.Single(server.Requests));
    }

    [Fact]
    public void Redeem_EarlyConnectionToADaemonThatWentAway_FallsBackToANewConnection()
    {
        using var file = new ShmFile(4096, seed: 6);
        using SafeFileHandle served = file.Open(FileAccess.Read);
        using var server = new SeqPacketServer(_ => ServerReply.Success(served));
        string goneSocket = Path.Combine(server.Directory, "gone.sock");
        Socket? early;
        using (var gone = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified))
        {
            gone.Bind(new UnixDomainSocketEndPoint(goneSocket));
            gone.Listen(4);
            early = FdHandoutClient.TryConnectEarly(goneSocket, s_timeout);
            Assert.NotNull(early);
        }

        using (early)
        {
            // The listener closed with the connection still in its backlog, as when the daemon restarts during Open.
            using SafeFileHandle received = FdHandoutClient.Redeem(null, early, server.SocketPath, s_token, s_timeout, CancellationToken.None);

            Assert.False(received.IsInvalid);
            Assert.Equal(s_token, Assert.Single(server.Requests));
        }
    }

    [Fact]
    public void Redeem_WithAPool_KeepsTheConnection_AndTheNextHandoutUsesIt()
    {
        using var file = new ShmFile(4096, seed: 8);
        using SafeFileHandle served = file.Open(FileAccess.Read);
        using var server = new SeqPacketServer(_ => ServerReply.Success(served));
        using var pool = new FdConnectionPool();

        using (FdHandoutClient.Redeem(pool, null, server.SocketPath, s_token, s_timeout, CancellationToken.None))
        {
            Assert.Equal(1, pool.IdleCount);
        }

        Socket? pooled = pool.TryRent(server.SocketPath);
        Assert.NotNull(pooled);
        using SafeFileHandle second = FdHandoutClient.Redeem(pool, pooled, server.SocketPath, s_token, s_timeout, CancellationToken.None);

        var bytes = new byte[4096];
        Assert.Equal(bytes.Length, RandomAccess.Read(second, bytes, 0));
        Assert.Equal(file.Bytes, bytes);
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(1, server.Connections);
        Assert.Equal(1, pool.IdleCount);
    }

    [Fact]
    public void Redeem_OnAPooledConnectionTheDaemonClosed_SendsTheTokenAgainOnANewConnection()
    {
        using var file = new ShmFile(4096, seed: 9);
        using SafeFileHandle served = file.Open(FileAccess.Read);
        using var server = new SeqPacketServer(_ => ServerReply.Success(served), answersPerConnection: 1);
        using var pool = new FdConnectionPool();
        FdHandoutClient.Redeem(pool, null, server.SocketPath, s_token, s_timeout, CancellationToken.None).Dispose();
        Socket? closedByServer = pool.TryRent(server.SocketPath);
        Assert.NotNull(closedByServer);

        using SafeFileHandle received = FdHandoutClient.Redeem(pool, closedByServer, server.SocketPath, s_token, s_timeout, CancellationToken.None);

        Assert.False(received.IsInvalid);
        Assert.True(closedByServer.SafeHandle.IsClosed);
        Assert.Equal(2, server.Connections);
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(1, pool.IdleCount);
    }

    [Fact]
    public void Redeem_Refused_ClosesTheConnectionInsteadOfPoolingIt()
    {
        using var server = new SeqPacketServer(_ => ServerReply.Failure(HandoutStatus.UnknownToken, "unknown or already used token"));
        using var pool = new FdConnectionPool();

        var e = Assert.Throws<LiveUpdateException>(() => FdHandoutClient.Redeem(pool, null, server.SocketPath, s_token, s_timeout, CancellationToken.None));

        Assert.Equal(LiveUpdateError.HandoutFailed, e.Error);
        Assert.Equal(0, pool.IdleCount);
    }

    [Fact]
    public void TryConnectEarly_NoDaemon_IsNull()
    {
        using var server = new SeqPacketServer(_ => ServerReply.Hangup);

        Assert.Null(FdHandoutClient.TryConnectEarly(Path.Combine(server.Directory, "absent.sock"), s_timeout));
    }

    [Fact]
    public void Redeem_ErrorStatus_ThrowsHandoutFailedWithStatusAndText()
    {
        using var server = new SeqPacketServer(_ => ServerReply.Failure(HandoutStatus.PeerUidMismatch, "peer uid 1000 is not the uid 0 that called Open"));

        var e = Assert.Throws<LiveUpdateException>(() => FdHandoutClient.Redeem(server.SocketPath, s_token, s_timeout, CancellationToken.None));

        Assert.Equal(LiveUpdateError.HandoutFailed, e.Error);
        Assert.Equal(HandoutStatus.PeerUidMismatch, e.HandoutStatus);
        Assert.Equal("peer uid 1000 is not the uid 0 that called Open", e.ServerMessage);
        Assert.Null(e.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task Redeem_ErrorStatusCarryingADescriptor_ClosesTheDescriptor()
    {
        // The descriptor passed is a pipe's write end: once every copy is closed, the read end sees end-of-file.
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In);
        using var server = new SeqPacketServer(_ => ServerReply.Failure(HandoutStatus.OpenFailed, "open failed", pipe.ClientSafePipeHandle));

        var e = Assert.Throws<LiveUpdateException>(() => FdHandoutClient.Redeem(server.SocketPath, s_token, s_timeout, CancellationToken.None));
        pipe.DisposeLocalCopyOfClientHandle();

        Assert.Equal(LiveUpdateError.HandoutFailed, e.Error);
        Assert.Equal(0, await ReadWithTimeout(pipe));
    }

    [Fact(Timeout = 30_000)]
    public async Task Redeem_TwoDescriptors_IsProtocolViolation_AndClosesBoth()
    {
        using var first = new AnonymousPipeServerStream(PipeDirection.In);
        using var second = new AnonymousPipeServerStream(PipeDirection.In);
        using var server = new SeqPacketServer(_ => new ServerReply([0x00], [first.ClientSafePipeHandle, second.ClientSafePipeHandle]));

        var e = Assert.Throws<LiveUpdateException>(() => FdHandoutClient.Redeem(server.SocketPath, s_token, s_timeout, CancellationToken.None));
        first.DisposeLocalCopyOfClientHandle();
        second.DisposeLocalCopyOfClientHandle();

        Assert.Equal(LiveUpdateError.ProtocolViolation, e.Error);
        Assert.Equal(0, await ReadWithTimeout(first));
        Assert.Equal(0, await ReadWithTimeout(second));
    }

    [Fact]
    public void Redeem_AnswerLongerThanTheBuffer_IsProtocolViolation()
    {
        using var server = new SeqPacketServer(_ => ServerReply.Failure(HandoutStatus.OpenFailed, new string('x', 5000)));

        var e = Assert.Throws<LiveUpdateException>(() => FdHandoutClient.Redeem(server.SocketPath, s_token, s_timeout, CancellationToken.None));

        Assert.Equal(LiveUpdateError.ProtocolViolation, e.Error);
        Assert.Contains("longer than 4096 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redeem_SuccessWithoutDescriptor_IsProtocolViolation()
    {
        using var server = new SeqPacketServer(_ => new ServerReply([0x00], []));

        var e = Assert.Throws<LiveUpdateException>(() => FdHandoutClient.Redeem(server.SocketPath, s_token, s_timeout, CancellationToken.None));

        Assert.Equal(LiveUpdateError.ProtocolViolation, e.Error);
    }

    [Fact]
    public void Redeem_ServerHangsUp_IsUnavailable()
    {
        using var server = new SeqPacketServer(_ => ServerReply.Hangup);

        var e = Assert.Throws<LiveUpdateException>(() => FdHandoutClient.Redeem(server.SocketPath, s_token, s_timeout, CancellationToken.None));

        Assert.Equal(LiveUpdateError.Unavailable, e.Error);
    }

    [Fact]
    public void Redeem_NoSocket_IsUnavailableWithEnoent()
    {
        string path = Path.Combine(Path.GetTempPath(), "lu-missing-" + Guid.NewGuid().ToString("N"), "fd.sock");

        var e = Assert.Throws<LiveUpdateException>(() => FdHandoutClient.Redeem(path, s_token, s_timeout, CancellationToken.None));

        Assert.Equal(LiveUpdateError.Unavailable, e.Error);
        Assert.Equal(2, e.Errno);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.True(RetryingInvoker.IsRetryable(e));
    }

    [Theory]
    [InlineData(108)]
    [InlineData(0)]
    public void Redeem_SocketPathNoUnixAddressHolds_IsInvalidArgument(int length)
    {
        string path = length == 0 ? string.Empty : "/" + new string('a', length - 1);

        var e = Assert.Throws<LiveUpdateException>(() => FdHandoutClient.Redeem(path, s_token, s_timeout, CancellationToken.None));

        Assert.Equal(LiveUpdateError.InvalidArgument, e.Error);
    }

    [Fact]
    public void Redeem_SocketFileWithoutListener_IsUnavailableWithEconnrefused()
    {
        // A bound socket that does not listen, like a socket file left behind by a killed daemon.
        using var server = new SeqPacketServer(_ => ServerReply.Hangup);
        string stale = Path.Combine(server.Directory, "stale.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(stale));

        var e = Assert.Throws<LiveUpdateException>(() => FdHandoutClient.Redeem(stale, s_token, s_timeout, CancellationToken.None));

        Assert.Equal(LiveUpdateError.Unavailable, e.Error);
        Assert.Equal(111, e.Errno);
        Assert.Contains("ECONNREFUSED", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redeem_ServerNeverAnswers_TimesOut()
    {
        using var server = new SeqPacketServer(_ => ServerReply.Silence);

        var e = Assert.Throws<LiveUpdateException>(
            () => FdHandoutClient.Redeem(server.SocketPath, s_token, TimeSpan.FromMilliseconds(100), CancellationToken.None));

        Assert.Equal(LiveUpdateError.DeadlineExceeded, e.Error);
    }

    [Fact(Timeout = 30_000)]
    public async Task Redeem_Cancelled_WakesTheBlockedReceive()
    {
        using var server = new SeqPacketServer(_ => ServerReply.Silence);
        using var cancellation = new CancellationTokenSource();
        Task<SafeFileHandle> redeem = Task.Run(() => FdHandoutClient.Redeem(server.SocketPath, s_token, TimeSpan.FromMinutes(5), cancellation.Token));
        while (server.Requests.Count == 0)
        {
            await Task.Delay(5);
        }

        await cancellation.CancelAsync();

        Task finished = await Task.WhenAny(redeem, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(redeem, finished);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => redeem);
    }

    [Fact]
    public void Redeem_SeveralInARow_EachGetsItsOwnDescriptor()
    {
        using var file = new ShmFile(4096, seed: 3);
        using SafeFileHandle served = file.Open(FileAccess.Read);
        using var server = new SeqPacketServer(_ => ServerReply.Success(served));

        var received = new List<SafeFileHandle>();
        try
        {
            for (int i = 0; i < 20; i++)
            {
                received.Add(FdHandoutClient.Redeem(server.SocketPath, s_token, s_timeout, CancellationToken.None));
            }

            Assert.Equal(20, received.Select(h => h.DangerousGetHandle()).Distinct().Count());
            Assert.Equal(20, server.Requests.Count);
        }
        finally
        {
            received.ForEach(h => h.Dispose());
        }
    }

    /// <summary>Reads from the pipe's read end: 0 means end-of-file (every write end closed). Fails after 10 s.</summary>
    private static async Task<int> ReadWithTimeout(AnonymousPipeServerStream pipe)
    {
        // Anonymous pipe reads are not cancellable on Linux: race them against a delay instead.
        Task<int> read = pipe.ReadAsync(new byte[1]).AsTask();
        Task finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(ReferenceEquals(read, finished), "the pipe's write end is still open somewhere: a descriptor leaked");
        return await read;
    }
}
