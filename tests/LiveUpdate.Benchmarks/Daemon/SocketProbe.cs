namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// Whether anything listens on a Unix stream socket yet: one socket + connect + close (a few microseconds), so waiting
/// for a starting daemon does not cost the CPU a failing gRPC call does (an exception through the HTTP handler, gRPC
/// and the retry pipeline), which on 2 vCPUs would slow the very start being timed.
/// </summary>
internal static class SocketProbe
{
    /// <summary>True when a connection to <paramref name="path"/> is accepted (the connection is closed at once).</summary>
    public static bool Accepts(string path)
    {
        var address = Interop.Libc.SockAddrUn.For(path, out var length);
        var socket = Interop.Libc.UnixSocket(Interop.Libc.SOCK_STREAM);
        try
        {
            return Interop.Libc.TryConnect(socket, address, length) == 0;
        }
        finally
        {
            Interop.Libc.Close(socket);
        }
    }
}
