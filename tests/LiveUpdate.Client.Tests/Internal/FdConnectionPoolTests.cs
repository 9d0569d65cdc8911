using System.Net.Sockets;
using LiveUpdate.Client.Internal;
using Microsoft.Extensions.Time.Testing;

namespace LiveUpdate.Client.Tests.Internal;

/// <summary>The pool of fd-socket connections, with real (unconnected) socket descriptors and a fake clock.</summary>
public sealed class FdConnectionPoolTests
{
    private const string SocketPath = "/run/liveupdate/fd.sock";

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryRent_Empty_IsNull()
    {
        using var pool = new FdConnectionPool(_time);

        Assert.Null(pool.TryRent(SocketPath));
    }

    [Fact]
    public void TryRent_AfterReturn_GivesBackTheSameConnection()
    {
        using var pool = new FdConnectionPool(_time);
        using Socket socket = NewSocket();
        pool.Return(socket, SocketPath);

        Assert.Same(socket, pool.TryRent(SocketPath));
        Assert.Equal(0, pool.IdleCount);
        Assert.False(socket.SafeHandle.IsClosed);
    }

    [Fact]
    public void TryRent_GivesTheMostRecentlyReturnedFirst()
    {
        using var pool = new FdConnectionPool(_time);
        using Socket older = NewSocket();
        using Socket newer = NewSocket();
        pool.Return(older, SocketPath);
        pool.Return(newer, SocketPath);

        Assert.Same(newer, pool.TryRent(SocketPath));
        Assert.Same(older, pool.TryRent(SocketPath));
    }

    [Fact]
    public void TryRent_ConnectionAsOldAsMaxIdleAge_IsClosedNotGiven()
    {
        using var pool = new FdConnectionPool(_time);
        using Socket socket = NewSocket();
        pool.Return(socket, SocketPath);
        _time.Advance(FdConnectionPool.MaxIdleAge);

        Assert.Null(pool.TryRent(SocketPath));
        Assert.True(socket.SafeHandle.IsClosed);
        Assert.Equal(0, pool.IdleCount);
    }

    [Fact]
    public void TryRent_ConnectionYoungerThanMaxIdleAge_IsGiven()
    {
        using var pool = new FdConnectionPool(_time);
        using Socket socket = NewSocket();
        pool.Return(socket, SocketPath);
        _time.Advance(FdConnectionPool.MaxIdleAge - TimeSpan.FromMilliseconds(1));

        Assert.Same(socket, pool.TryRent(SocketPath));
    }

    [Fact]
    public void TryRent_ConnectionToAnotherSocket_IsClosedNotGiven()
    {
        using var pool = new FdConnectionPool(_time);
        using Socket socket = NewSocket();
        pool.Return(socket, "/tmp/liveupdate-0/fd.sock");

        Assert.Null(pool.TryRent(SocketPath));
        Assert.True(socket.SafeHandle.IsClosed);
    }

    [Fact]
    public void Return_BeyondMaxIdle_ClosesTheConnection()
    {
        using var pool = new FdConnectionPool(_time);
        Socket[] sockets = [.. Enumerable.Range(0, FdConnectionPool.MaxIdle + 1).Select(_ => NewSocket())];
        try
        {
            foreach (Socket socket in sockets)
            {
                pool.Return(socket, SocketPath);
            }

            Assert.Equal(FdConnectionPool.MaxIdle, pool.IdleCount);
            Assert.True(sockets[^1].SafeHandle.IsClosed);
            Assert.All(sockets[..^1], socket => Assert.False(socket.SafeHandle.IsClosed));
        }
        finally
        {
            Array.ForEach(sockets, socket => socket.Dispose());
        }
    }

    [Fact]
    public void Dispose_ClosesKeptConnections_AndLaterReturnsAreClosed()
    {
        var pool = new FdConnectionPool(_time);
        using Socket kept = NewSocket();
        using Socket late = NewSocket();
        pool.Return(kept, SocketPath);

        pool.Dispose();
        pool.Return(late, SocketPath);

        Assert.True(kept.SafeHandle.IsClosed);
        Assert.True(late.SafeHandle.IsClosed);
        Assert.Equal(0, pool.IdleCount);
    }

    private static Socket NewSocket() => new(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
}
