using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Client.Internal;

/// <summary>
/// Redeems an Open token for its descriptor on the daemon's fd socket (AF_UNIX, SOCK_SEQPACKET): connect, send the
/// token as one message, receive one message of a status byte and an SCM_RIGHTS descriptor or an error text.
/// </summary>
/// <remarks>
/// The socket is a .NET <see cref="Socket"/> used only synchronously, so its descriptor stays blocking, with
/// <see cref="Socket.ReceiveTimeout"/> and <see cref="Socket.SendTimeout"/> (SO_RCVTIMEO, SO_SNDTIMEO) bounding every
/// call; only the two messages go through sendmsg and recvmsg (<see cref="Interop.Libc.SendMessage"/>,
/// <see cref="Interop.Libc.ReceiveMessage"/>), as the BCL cannot receive a descriptor. Connections are kept between
/// hand-outs in a <see cref="FdConnectionPool"/>: a fresh one per hand-out put a connect, and the daemon's accept and
/// SO_PEERCRED, on the path of every Open.
/// Cancellation shuts the socket down, which wakes the blocked call.
/// </remarks>
internal static class FdHandoutClient
{
    /// <summary>The receive buffer: the status byte and up to 4095 bytes of error text.</summary>
    internal const int DataBufferSize = 4096;

    /// <summary>CMSG_SPACE(sizeof(int)): room for exactly one descriptor; more set MSG_CTRUNC (the kernel closes the rest).</summary>
    internal static readonly int ControlBufferSize = Interop.Libc.CmsgHdr.Space(sizeof(int));

    /// <summary>The most descriptors a <see cref="ControlBufferSize"/> buffer can deliver ((24 − 16) / 4).</summary>
    private const int MaxDescriptors = 2;

    /// <summary>
    /// Connects to <paramref name="socketPath"/> ahead of the Open that will produce the token, so that the daemon
    /// accepts while the gRPC call is in flight; null when that fails (the redeem then connects afresh).
    /// </summary>
    internal static Socket? TryConnectEarly(string socketPath, TimeSpan timeout)
    {
        try
        {
            return Connect(socketPath, timeout, out _);
        }
        catch (LiveUpdateException)
        {
            // Out of descriptors or the like: the regular connect after Open reports it properly.
            return null;
        }
    }

    /// <summary>Redeems <paramref name="token"/> on a new connection to <paramref name="socketPath"/>, closed afterwards (see the other overload).</summary>
    internal static SafeFileHandle Redeem(string socketPath, ReadOnlySpan<byte> token, TimeSpan timeout, CancellationToken cancellationToken) =>
        Redeem(null, null, socketPath, token, timeout, cancellationToken);

    /// <summary>
    /// Sends <paramref name="token"/> to <paramref name="socketPath"/> and returns the descriptor it is exchanged for;
    /// the caller owns it (close-on-exec is set). Uses <paramref name="connection"/> (pooled, or from
    /// <see cref="TryConnectEarly"/>; owned by this call from now on) when given and its daemon still answers on it, else
    /// a new connection. The connection that served the hand-out goes back to <paramref name="pool"/> (closed when there
    /// is none); a failed one is closed. Blocks for at most about <paramref name="timeout"/> per system call.
    /// Throws <see cref="LiveUpdateException"/>: Unavailable when the daemon is not there (retrying the whole Open is
    /// safe: tokens are one-time), HandoutFailed with the daemon's status and text, ProtocolViolation, DeadlineExceeded.
    /// </summary>
    internal static SafeFileHandle Redeem(
        FdConnectionPool? pool, Socket? connection, string socketPath, ReadOnlySpan<byte> token, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        // A given connection may find its daemon gone (restarted) or the connection closed as idle: the token was never
        // read, and goes again on a new connection.
        if (connection is not null && ExchangeOn(pool, connection, socketPath, token, timeout, cancellationToken) is { } descriptor)
        {
            return descriptor;
        }

        Socket socket = Connect(socketPath, timeout, out int connectErrno) ?? throw ConnectFailure(connectErrno, socketPath);
        return ExchangeOn(pool, socket, socketPath, token, timeout, cancellationToken)
            ?? throw HandoutReplyDecoder.ClosedWithoutAnswer(socketPath);
    }

    /// <summary>
    /// A new blocking connection to <paramref name="socketPath"/> with send and receive timeouts; null with the connect's
    /// errno when it is refused. Throws <see cref="LiveUpdateException"/> when no socket can be made.
    /// </summary>
    private static Socket? Connect(string socketPath, TimeSpan timeout, out int errno)
    {
        UnixDomainSocketEndPoint endPoint = EndPointOf(socketPath);
        Socket socket;
        try
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        }
        catch (SocketException ex)
        {
            throw Interop.Libc.ErrnoException(LiveUpdateError.Io, ex.NativeErrorCode, $"socket for the fd socket {socketPath}");
        }

        try
        {
            // Whole milliseconds, at least one: 0 would mean no timeout at all.
            int milliseconds = (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 1, int.MaxValue);
            socket.ReceiveTimeout = milliseconds;
            socket.SendTimeout = milliseconds;
            socket.Connect(endPoint);
            errno = 0;
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            errno = ErrnoOf(ex);
            return null;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The errno of a failed connect. .NET reports it through <see cref="SocketError"/>, which folds ENOENT (no socket
    /// file) into <see cref="SocketError.AddressNotAvailable"/> and gives back EADDRNOTAVAIL, an errno connect on a Unix
    /// socket never returns: read that as ENOENT. The others come back as they were (ECONNREFUSED, EACCES, EAGAIN).
    /// </summary>
    private static int ErrnoOf(SocketException exception) =>
        exception.SocketErrorCode == SocketError.AddressNotAvailable ? Interop.Libc.ENOENT : exception.NativeErrorCode;

    /// <summary>The address of <paramref name="socketPath"/>; InvalidArgument when no Unix socket address can hold it.</summary>
    private static UnixDomainSocketEndPoint EndPointOf(string socketPath)
    {
        int bytes = System.Text.Encoding.UTF8.GetByteCount(socketPath);
        if (bytes == 0 || bytes > Interop.Libc.MaxUnixSocketPathBytes || socketPath.Contains('\0', StringComparison.Ordinal))
        {
            throw new LiveUpdateException(
                LiveUpdateError.InvalidArgument,
                $"Unix socket path '{socketPath}' is empty, contains NUL or is longer than {Interop.Libc.MaxUnixSocketPathBytes} bytes");
        }

        return new UnixDomainSocketEndPoint(socketPath);
    }

    /// <summary>
    /// <see cref="TryExchange"/> on a connection this call owns: pooled after a hand-out, closed otherwise (null when it
    /// turned out closed before the token was read; an exception after any other failure).
    /// </summary>
    private static SafeFileHandle? ExchangeOn(
        FdConnectionPool? pool, Socket socket, string socketPath, ReadOnlySpan<byte> token, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        SafeFileHandle? descriptor;
        try
        {
            descriptor = TryExchange(socket, socketPath, token, timeout, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        if (descriptor is null)
        {
            socket.Dispose();
            return null;
        }

        Keep(pool, socket, socketPath, cancellationToken);
        return descriptor;
    }

    /// <summary>Pools a connection that completed a hand-out; one a cancellation may have shut down is closed.</summary>
    private static void Keep(FdConnectionPool? pool, Socket socket, string socketPath, CancellationToken cancellationToken)
    {
        if (pool is null || cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            return;
        }

        pool.Return(socket, socketPath);
    }

    /// <summary>
    /// One token → descriptor exchange on <paramref name="socket"/>; null when the connection turns out closed before the
    /// daemon read the token (sendmsg's EPIPE, ECONNRESET or ENOTCONN, or end of file or a reset instead of an answer).
    /// </summary>
    private static SafeFileHandle? TryExchange(
        Socket socket, string socketPath, ReadOnlySpan<byte> token, TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using (ShutdownOnCancel(socket, cancellationToken))
        {
            int errno = TrySend(socket, token, cancellationToken);
            if (errno is Interop.Libc.EPIPE or Interop.Libc.ECONNRESET or Interop.Libc.ENOTCONN)
            {
                return null;
            }

            if (errno != 0)
            {
                throw SendFailure(errno, socketPath, timeout);
            }

            return Receive(socket, socketPath, timeout, cancellationToken);
        }
    }

    /// <summary>
    /// Cancellation shuts the socket down, which wakes a blocked sendmsg/recvmsg; disposing the registration waits for a
    /// running callback, so the socket is still open whenever the callback touches it.
    /// </summary>
    private static CancellationTokenRegistration ShutdownOnCancel(Socket socket, CancellationToken cancellationToken) =>
        cancellationToken.UnsafeRegister(static state => ShutdownQuietly((Socket)state!), socket);

    /// <summary>shutdown(SHUT_RDWR) from a cancellation callback, which must not throw: a socket already reset needs none.</summary>
    private static void ShutdownQuietly(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>Sends the token as one message; 0 or the errno (a short send counts as EMSGSIZE).</summary>
    private static int TrySend(Socket socket, ReadOnlySpan<byte> token, CancellationToken cancellationToken)
    {
        int sent = Interop.Libc.SendMessage(socket.SafeHandle, token, [], 0, out int errno);
        cancellationToken.ThrowIfCancellationRequested();
        return sent < 0 ? errno : sent != token.Length ? Interop.Libc.EMSGSIZE : 0;
    }

    private static LiveUpdateException SendFailure(int errno, string socketPath, TimeSpan timeout) => errno switch
    {
        Interop.Libc.EAGAIN => new LiveUpdateException(
            LiveUpdateError.DeadlineExceeded, $"sending the token to {socketPath} did not complete within {timeout.TotalSeconds:0.###} s") { Errno = errno },
        _ => Interop.Libc.ErrnoException(LiveUpdateError.Io, errno, $"sendmsg of the token to {socketPath}"),
    };

    /// <summary>Receives the answer; null at end of file or ECONNRESET (no answer will come on this connection).</summary>
    private static SafeFileHandle? Receive(Socket socket, string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Span<byte> data = stackalloc byte[DataBufferSize];
        Span<byte> control = stackalloc byte[ControlBufferSize];
        control.Clear();
        int received = Interop.Libc.ReceiveMessage(
            socket.SafeHandle, data, control, Interop.Libc.MSG_CMSG_CLOEXEC, out int messageFlags, out int controlLength, out int errno);
        if (received < 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (errno == Interop.Libc.ECONNRESET)
            {
                return null;
            }

            throw errno == Interop.Libc.EAGAIN
                ? new LiveUpdateException(
                    LiveUpdateError.DeadlineExceeded, $"the daemon did not answer the token on {socketPath} within {timeout.TotalSeconds:0.###} s") { Errno = errno }
                : Interop.Libc.ErrnoException(LiveUpdateError.Io, errno, $"recvmsg on {socketPath}");
        }

        if (received == 0 && controlLength == 0)
        {
            cancellationToken.ThrowIfCancellationRequested(); // shutdown by a cancellation reads as end of file too
            return null;
        }

        // From here every descriptor the kernel delivered is ours: keep at most one, close the rest on every path.
        Span<int> descriptors = stackalloc int[MaxDescriptors];
        int count = Math.Min(MaxDescriptors, HandoutReplyDecoder.CollectDescriptors(control[..controlLength], descriptors));
        int kept = -1;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            HandoutReplyDecoder.Check(data[..received], messageFlags, count, socketPath);
            kept = 0;
            return new SafeFileHandle(descriptors[0], ownsHandle: true);
        }
        finally
        {
            for (int i = 0; i < count; i++)
            {
                if (i != kept)
                {
                    new SafeFileHandle(descriptors[i], ownsHandle: true).Dispose();
                }
            }
        }
    }

    private static LiveUpdateException ConnectFailure(int errno, string socketPath) => errno switch
    {
        Interop.Libc.ENOENT or Interop.Libc.ECONNREFUSED or Interop.Libc.EAGAIN => Interop.Libc.ErrnoException(
            LiveUpdateError.Unavailable, errno, $"connect to the fd socket {socketPath}", "the daemon is not running or is restarting"),
        Interop.Libc.EACCES or Interop.Libc.EPERM => Interop.Libc.ErrnoException(
            LiveUpdateError.PermissionDenied, errno, $"connect to the fd socket {socketPath}", "the socket directory does not admit this user"),
        _ => Interop.Libc.ErrnoException(LiveUpdateError.Io, errno, $"connect to the fd socket {socketPath}"),
    };
}
