using LiveUpdate.Service.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Hosting;

/// <summary>
/// Kestrel's own limits, sized so that the daemon's memory stays bounded whoever connects (docs/design.md §13): a hard
/// cap on connections just above what <c>--max-connections</c> and the administrators' headroom allow (the per-uid
/// accounting in Security/PeerCredentialsMiddleware closes the rest at accept), short timeouts for a connection that
/// never sends its HTTP/2 preface or its headers, and bounded HTTP/2 windows, headers and streams per connection.
/// </summary>
internal sealed class KestrelLimits(IOptions<DaemonOptions> options) : IConfigureOptions<KestrelServerOptions>
{
    /// <summary>How long a connection may stay silent (before its preface, or with no stream open) before it is closed.</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a request may take to send its headers.</summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Streams one HTTP/2 connection may have open (Kestrel's default, stated).</summary>
    public const int MaxStreamsPerConnection = 100;

    /// <summary>
    /// Connections Kestrel accepts beyond the configured ones before refusing by itself: room for connections that are
    /// being identified and closed at accept, so an administrator still gets in while one uid hammers the socket.
    /// </summary>
    public const int AcceptSlack = 1024;

    /// <inheritdoc/>
    public void Configure(KestrelServerOptions kestrel)
    {
        var settings = options.Value;
        var limits = kestrel.Limits;
        limits.MaxConcurrentConnections = settings.MaxConnections > 0
            ? settings.MaxConnections + DaemonOptions.AdminConnectionHeadroom + AcceptSlack
            : null;
        limits.KeepAliveTimeout = KeepAliveTimeout;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.Http2.MaxStreamsPerConnection = MaxStreamsPerConnection;
        // Unread request bytes Kestrel buffers per connection and per stream: its defaults (1 MiB, 768 KiB), stated
        // because they bound memory per connection; smaller windows would slow WriteContents.
        limits.Http2.InitialConnectionWindowSize = 1 << 20;
        limits.Http2.InitialStreamWindowSize = 768 << 10;
        limits.Http2.MaxRequestHeaderFieldSize = 16 << 10;
        limits.Http2.HeaderTableSize = 4096;
        limits.MaxRequestHeadersTotalSize = 32 << 10;
    }
}
