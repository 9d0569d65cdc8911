using System.Net.Sockets;
using System.Text;

namespace LiveUpdate.Emulator.Proxy;

/// <summary>
/// One QMP connection, one JSON message per line. Lines are written with CRLF, as QEMU writes them: libvirt splits
/// QEMU's output on "\r\n". Writes are serialized (two directions may answer on the same connection).
/// </summary>
internal sealed class QmpLineChannel : IDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly SemaphoreSlim _writing = new(1, 1);

    public QmpLineChannel(Socket socket)
    {
        _socket = socket;
        _reader = new StreamReader(new NetworkStream(socket, ownsSocket: false), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
    }

    /// <summary>The next non-empty line without its line ending, or null at the end of the stream (or a reset).</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0)
                {
                    return line;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>Writes <paramref name="line"/> and CRLF; false when the peer is gone.</summary>
    public async Task<bool> WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] bytes = Encoding.UTF8.GetBytes(line + "\r\n");
            int sent = 0;
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
        _reader.Dispose();
        _socket.Dispose();
        _writing.Dispose();
    }
}
