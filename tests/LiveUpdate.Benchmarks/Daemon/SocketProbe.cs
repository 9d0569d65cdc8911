using System.Net.Sockets;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// Whether anything listens on a Unix stream socket yet: one socket + connect + close (microseconds, even when the
/// refusal costs a <see cref="SocketException"/>), so waiting for a starting daemon does not cost the CPU a failing gRPC
/// call does (an exception through the HTTP handler, gRPC and the retry pipeline), which on 2 vCPUs would slow the very
/// start being timed.
/// </summary>
internal static class SocketProbe
{
    /// <summary>True when a connection to <paramref name="path"/> is accepted (the connection is closed at once).</summary>
    public static bool Accepts(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
