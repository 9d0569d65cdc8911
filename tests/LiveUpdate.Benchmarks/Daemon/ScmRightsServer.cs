using System.Net.Sockets;
using LiveUpdate.Benchmarks.Native;
using LiveUpdate.Protocol;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// The floor of the descriptor hand-out: a bare token → descriptor server on an AF_UNIX SOCK_SEQPACKET socket, in this
/// process, on a thread of its own, with no gRPC, no token table and no logging. Per connection it receives one message
/// (the 16-byte token), opens the file afresh (O_RDWR | O_CLOEXEC, as the daemon opens the region device per request),
/// sends one status byte (0) with the descriptor as SCM_RIGHTS, closes its copy and the connection. The socket is the
/// BCL's, used synchronously (a blocking descriptor), as the daemon's hand-out socket is; only the reply is a sendmsg.
/// </summary>
internal sealed class ScmRightsServer : IDisposable
{
    private readonly Socket _listener;
    private readonly string _filePath;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private volatile string? _failure;

    private ScmRightsServer(string socketPath, string filePath)
    {
        SocketPath = socketPath;
        _filePath = filePath;
        File.Delete(socketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            _listener.Listen(128);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        _thread = new Thread(Serve) { IsBackground = true, Name = "scm-rights-floor" };
    }

    public string SocketPath { get; }

    /// <summary>What went wrong on the server thread, if anything (the client then sees the connection closed).</summary>
    public string? Failure => _failure;

    /// <summary>Listens on <paramref name="socketPath"/> and hands out descriptors of <paramref name="filePath"/>.</summary>
    public static ScmRightsServer Start(string socketPath, string filePath)
    {
        var server = new ScmRightsServer(socketPath, filePath);
        server._thread.Start();
        return server;
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        // Wake the blocked accept with a connection of our own; the loop sees _stopping and ends.
        try
        {
            using var wake = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
            wake.Connect(new UnixDomainSocketEndPoint(SocketPath));
        }
        catch (SocketException)
        {
        }

        _thread.Join(TimeSpan.FromSeconds(5));
        _listener.Dispose();
        File.Delete(SocketPath);
    }

    private void Serve()
    {
        while (!_stopping)
        {
            Socket connection;
            try
            {
                connection = _listener.Accept();
            }
            catch (SocketException ex)
            {
                _failure ??= $"accept failed: {ex.Message}";
                return;
            }

            try
            {
                if (!_stopping)
                {
                    ServeOne(connection);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or InvalidOperationException)
            {
                _failure ??= ex.Message;
            }
            finally
            {
                connection.Dispose();
            }
        }
    }

    private void ServeOne(Socket connection)
    {
        Span<byte> request = stackalloc byte[64];
        var received = connection.Receive(request);
        if (received != HandoutToken.Size)
        {
            throw new InvalidOperationException($"expected a {HandoutToken.Size}-byte token, got {received} bytes");
        }

        using var descriptor = BenchmarkNative.OpenUnlocked(_filePath, writable: true);
        ReadOnlySpan<byte> status = [0];
        BenchmarkNative.SendMessage(connection, status, descriptor);
    }
}
