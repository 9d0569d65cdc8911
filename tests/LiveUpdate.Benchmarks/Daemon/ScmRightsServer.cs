using LiveUpdate.Protocol;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// The floor of the descriptor hand-out: a bare token → descriptor server on an AF_UNIX SOCK_SEQPACKET socket, in this
/// process, on a thread of its own, with no gRPC, no token table and no logging. Per connection it receives one message
/// (the 16-byte token), opens the file afresh (O_RDWR | O_CLOEXEC, as the daemon opens the region device per request),
/// sends one status byte (0) with the descriptor as SCM_RIGHTS, closes its copy and the connection.
/// </summary>
internal sealed unsafe class ScmRightsServer : IDisposable
{
    private readonly int _listener;
    private readonly string _filePath;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private volatile string? _failure;

    private ScmRightsServer(string socketPath, string filePath)
    {
        SocketPath = socketPath;
        _filePath = filePath;
        File.Delete(socketPath);
        _listener = Interop.Libc.UnixSocket(Interop.Libc.SOCK_SEQPACKET);
        try
        {
            Interop.Libc.BindUnix(_listener, socketPath);
            Interop.Libc.Listen(_listener, 128);
        }
        catch
        {
            Interop.Libc.Close(_listener);
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
            var address = Interop.Libc.SockAddrUn.For(SocketPath, out var length);
            var wake = Interop.Libc.UnixSocket(Interop.Libc.SOCK_SEQPACKET);
            try
            {
                Interop.Libc.Connect(wake, address, length);
            }
            finally
            {
                Interop.Libc.Close(wake);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _thread.Join(TimeSpan.FromSeconds(5));
        Interop.Libc.Close(_listener);
        File.Delete(SocketPath);
    }

    private void Serve()
    {
        while (!_stopping)
        {
            var connection = Interop.Libc.TryAccept(_listener, out var errno);
            if (connection < 0)
            {
                _failure ??= $"accept failed: errno {errno}";
                return;
            }

            try
            {
                if (!_stopping)
                {
                    ServeOne(connection);
                }
            }
            catch (InvalidOperationException ex)
            {
                _failure ??= ex.Message;
            }
            finally
            {
                Interop.Libc.Close(connection);
            }
        }
    }

    private void ServeOne(int connection)
    {
        var request = stackalloc byte[64];
        var iov = new Interop.Libc.IoVec { Base = request, Length = 64 };
        var message = new Interop.Libc.MsgHdr { Iov = &iov, IovLength = 1 };
        var received = Interop.Libc.RecvMsg(connection, &message, 0);
        if (received != HandoutToken.Size)
        {
            throw new InvalidOperationException($"expected a {HandoutToken.Size}-byte token, got {received} bytes");
        }

        var descriptor = Interop.Libc.Open(_filePath, Interop.Libc.O_RDWR | Interop.Libc.O_CLOEXEC);
        try
        {
            byte status = 0;
            var control = stackalloc byte[Interop.Libc.CmsgSpaceOneFd];
            new Span<byte>(control, Interop.Libc.CmsgSpaceOneFd).Clear();
            var header = (Interop.Libc.CmsgHdr*)control;
            header->Length = Interop.Libc.CmsgLenOneFd;
            header->Level = Interop.Libc.SOL_SOCKET;
            header->Type = Interop.Libc.SCM_RIGHTS;
            *(int*)(control + sizeof(Interop.Libc.CmsgHdr)) = descriptor;
            var replyIov = new Interop.Libc.IoVec { Base = &status, Length = 1 };
            var reply = new Interop.Libc.MsgHdr
            {
                Iov = &replyIov,
                IovLength = 1,
                Control = control,
                ControlLength = Interop.Libc.CmsgSpaceOneFd,
            };
            Interop.Libc.SendMsg(connection, &reply);
        }
        finally
        {
            Interop.Libc.Close(descriptor);
        }
    }
}
