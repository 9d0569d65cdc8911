using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Emulator.Proxy;

/// <summary>
/// One QMP connection, one JSON message per line, with the descriptors that travel beside the bytes (SCM_RIGHTS): read
/// with recvmsg, forwarded with sendmsg, so that libvirt's <c>getfd</c>/<c>add-fd</c> (a managed save's migration
/// target, a hot-plugged disk) reach QEMU. Lines are written with CRLF, as QEMU writes them (libvirt splits QEMU's output
/// on "\r\n"). Writes are serialized: two directions may answer on the same connection.
/// </summary>
internal sealed class QmpLineChannel : IDisposable
{
    private const int MaxDescriptorsPerMessage = 16;

    private readonly Socket _socket;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly List<SafeFileHandle> _received = [];
    private byte[] _buffer = new byte[64 << 10];
    private int _start;
    private int _end;
    private bool _ended;

    public QmpLineChannel(Socket socket) => _socket = socket;

    /// <summary>The next non-empty line, or null at the end of the stream (or a reset).</summary>
    public async Task<QmpLine?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var bytes = _buffer.AsSpan(_start, newline).TrimEnd((byte)'\r');
                _start += newline + 1;
                if (bytes.IsEmpty)
                {
                    continue;
                }

                SafeFileHandle[] descriptors = [.. _received];
                _received.Clear();
                return new QmpLine(Encoding.UTF8.GetString(bytes), descriptors);
            }

            if (_ended || !await ReceiveAsync(cancellationToken).ConfigureAwait(false))
            {
                _ended = true;
                return null;
            }
        }
    }

    /// <summary>Reads the next line's text; its descriptors, if any, are closed (QEMU sends none).</summary>
    public async Task<string?> ReadTextAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        line?.CloseDescriptors();
        return line?.Text;
    }

    /// <summary>Writes <paramref name="line"/> and CRLF, with <paramref name="descriptors"/> attached; false when the peer is gone.</summary>
    public async Task<bool> WriteLineAsync(string line, CancellationToken cancellationToken, IReadOnlyList<SafeFileHandle>? descriptors = null)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] bytes = Encoding.UTF8.GetBytes(line + "\r\n");
            int sent = 0;
            if (descriptors is { Count: > 0 })
            {
                sent = await SendWithDescriptorsAsync(bytes, descriptors, cancellationToken).ConfigureAwait(false);
                if (sent < 0)
                {
                    return false;
                }
            }

            while (sent < bytes.Length)
            {
                sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Ends the connection both ways (a reader waiting on it sees the end).</summary>
    public void Shutdown()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Shutdown();
        _socket.Dispose();
        _writing.Dispose();
        foreach (var fd in _received)
        {
            fd.Dispose();
        }
    }

    /// <summary>One recvmsg into the buffer (waiting until there is something); false at the end of the stream.</summary>
    private async Task<bool> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // One line longer than the buffer (query-qmp-schema's reply is hundreds of KiB).
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        while (true)
        {
            // A zero-byte receive waits for readability without consuming anything (the socket is non-blocking).
            try
            {
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                return false;
            }

            int received = Receive(out int errno);
            if (received > 0)
            {
                _end += received;
                return true;
            }

            if (received == 0 || errno is not (Interop.Libc.EAGAIN or Interop.Libc.EINTR))
            {
                return false;
            }
        }
    }

    private int Receive(out int errno)
    {
        Span<byte> control = stackalloc byte[Interop.Libc.CmsgHdr.Space(MaxDescriptorsPerMessage * sizeof(int))];
        control.Clear();
        int received = Interop.Libc.ReceiveMessage(
            _socket.SafeHandle, _buffer.AsSpan(_end), control, Interop.Libc.MSG_CMSG_CLOEXEC | Interop.Libc.MSG_DONTWAIT,
            out _, out int controlLength, out errno);

        // Every descriptor that arrived is ours now (owned by the line it arrives with), whatever else happens.
        Span<int> fds = stackalloc int[MaxDescriptorsPerMessage];
        int count = Math.Min(fds.Length, Interop.Libc.CmsgHdr.CollectDescriptors(control[..controlLength], fds));
        for (int i = 0; i < count; i++)
        {
            _received.Add(new SafeFileHandle(fds[i], ownsHandle: true));
        }

        return received;
    }

    /// <summary>sendmsg of the first bytes with the descriptors (each a duplicate for the peer); the bytes sent, or -1.</summary>
    private async Task<int> SendWithDescriptorsAsync(byte[] bytes, IReadOnlyList<SafeFileHandle> descriptors, CancellationToken cancellationToken)
    {
        SafeHandle[] handles = [.. descriptors];
        while (true)
        {
            int sent = Interop.Libc.SendMessage(_socket.SafeHandle, bytes, handles, Interop.Libc.MSG_DONTWAIT, out int errno);
            if (sent >= 0)
            {
                return sent;
            }

            if (errno != Interop.Libc.EAGAIN)
            {
                return -1;
            }

            // The peer is not reading yet: rare (commands are small), so a short wait rather than a readiness wait.
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }
}
