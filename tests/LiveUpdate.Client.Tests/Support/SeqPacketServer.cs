using System.Net.Sockets;
using System.Runtime.InteropServices;
using LiveUpdate.Protocol;

namespace LiveUpdate.Client.Tests.Support;

/// <summary>What the test server answers to one request: message bytes and descriptors to pass, or a way to misbehave.</summary>
internal sealed record ServerReply(byte[] Data, SafeHandle[] Descriptors)
{
    /// <summary>Close the connection without answering.</summary>
    public static readonly ServerReply Hangup = new([], []);

    /// <summary>Never answer (until the server is disposed).</summary>
    public static readonly ServerReply Silence = new([], []);

    public static ServerReply Success(SafeHandle descriptor) => new([0x00], [descriptor]);

    public static ServerReply Failure(HandoutStatus status, string text, params SafeHandle[] descriptors) =>
        new([(byte)status, .. System.Text.Encoding.UTF8.GetBytes(text)], descriptors);
}

/// <summary>
/// A tiny fd socket for tests: AF_UNIX SOCK_SEQPACKET, accepts connections on its own thread, one after the other, reads
/// request messages and answers each as <c>respond</c> says (closing a connection after <c>answersPerConnection</c>
/// answers, as a daemon closing an idle connection does), passing descriptors with SCM_RIGHTS through the client's own
/// sendmsg interop. Descriptors in a reply stay owned by the test (the kernel passes duplicates).
/// </summary>
internal sealed class SeqPacketServer : IDisposable
{
    private readonly Socket _listener;
    private readonly Func<byte[], ServerReply> _respond;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stopped = new();
    private readonly List<byte[]> _requests = [];
    private readonly int _answersPerConnection;
    private int _connections;

    public SeqPacketServer(Func<byte[], ServerReply> respond, int answersPerConnection = int.MaxValue)
    {
        _answersPerConnection = answersPerConnection;
        Directory = Path.Combine(Path.GetTempPath(), "lu-client-tests-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        SocketPath = Path.Combine(Directory, "fd.sock");
        _respond = respond;
        _listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(64);
        _thread = new Thread(Serve) { IsBackground = true, Name = "fd-socket test server" };
        _thread.Start();
    }

    public string Directory { get; }

    public string SocketPath { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Every request message received so far.</summary>
    public IReadOnlyList<byte[]> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public void Dispose()
    {
        _stopped.Set();
        _listener.Dispose();
        _thread.Join(TimeSpan.FromSeconds(5));
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Serve()
    {
        while (!_stopped.IsSet)
        {
            Socket connection;
            try
            {
                connection = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            // Connections are served one after the other, synchronously (no async: it would make them non-blocking).
            Interlocked.Increment(ref _connections);
            using (connection)
            {
                ServeConnection(connection);
            }
        }
    }

    private void ServeConnection(Socket connection)
    {
        var buffer = new byte[4096];
        for (int answered = 0; answered < _answersPerConnection; answered++)
        {
            int received;
            try
            {
                received = connection.Receive(buffer);
            }
            catch (SocketException)
            {
                return;
            }

            if (received == 0)
            {
                return;
            }

            byte[] request = buffer[..received];
            lock (_requests)
            {
                _requests.Add(request);
            }

            ServerReply reply = _respond(request);
            if (ReferenceEquals(reply, ServerReply.Hangup))
            {
                return;
            }

            if (ReferenceEquals(reply, ServerReply.Silence))
            {
                _stopped.Wait();
                return;
            }

            Send(connection.SafeHandle, reply);
        }
    }

    /// <summary>sendmsg of the reply's bytes with its descriptors in one SCM_RIGHTS control message (the client's own interop).</summary>
    public static void Send(SafeHandle socket, ServerReply reply)
    {
        if (Interop.Libc.SendMessage(socket, reply.Data, reply.Descriptors, 0, out int errno) < 0)
        {
            throw new IOException($"test server sendmsg failed: {Interop.Libc.Describe(errno)}");
        }
    }
}
