using System.Text;

namespace LiveUpdate.Client;

/// <summary>
/// Settings of a <see cref="LiveUpdateClient"/>: where the daemon listens, how long calls may take, and how calls are
/// retried while the daemon restarts. <see cref="LiveUpdateClient"/> validates them once, when it is created.
/// </summary>
public sealed class LiveUpdateClientOptions
{
    /// <summary>The gRPC socket's file name inside <see cref="SocketDirectory"/>.</summary>
    public const string DefaultGrpcSocketName = Protocol.SocketDirectory.GrpcSocketName;

    /// <summary>The environment variable that overrides the default <see cref="SocketDirectory"/>.</summary>
    public const string SocketDirectoryVariable = Protocol.SocketDirectory.EnvironmentVariable;

    /// <summary>
    /// The daemon's socket directory. Default, as the daemon resolves it: <c>$LIVEUPDATE_SOCKET_DIR</c> when set;
    /// else <c>/run/liveupdate</c> as root; else <c>$XDG_RUNTIME_DIR/liveupdate</c>; else <c>/tmp/liveupdate-UID</c>.
    /// </summary>
    public string SocketDirectory { get; set; } = DefaultSocketDirectory();

    /// <summary>The gRPC socket's file name; default <c>liveupdate.sock</c>.</summary>
    public string GrpcSocketName { get; set; } = DefaultGrpcSocketName;

    /// <summary>The gRPC socket's full path: <see cref="SocketDirectory"/>/<see cref="GrpcSocketName"/>.</summary>
    public string GrpcSocketPath => Path.Join(SocketDirectory, GrpcSocketName);

    /// <summary>
    /// Attempts per call, the first included (1 disables retries); default 10. Only <see cref="LiveUpdateError.Unavailable"/>
    /// failures are retried.
    /// </summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>
    /// The backoff before the second attempt; each later one doubles it up to <see cref="RetryMaxDelay"/>. The actual
    /// wait is drawn uniformly from [half, all] of that ("equal jitter"). Default 50 ms.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest backoff between two attempts; default 2 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The time limit of one call including all its retries and backoffs; default 30 s (a daemon restart with attach
    /// and reconcile fits well within it). <see cref="Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan RetryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The gRPC deadline of each attempt, sent to the daemon; default 10 s. <see cref="Timeout.InfiniteTimeSpan"/> for none.
    /// gRPC measures deadlines on the system clock, not on <see cref="TimeProvider"/>.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The send and receive timeout (SO_SNDTIMEO, SO_RCVTIMEO) of the fd socket during a descriptor hand-out, so a stuck
    /// daemon cannot hang the client; default 5 s.
    /// </summary>
    public TimeSpan HandoutTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The clock of retry backoffs and <see cref="RetryTimeout"/>; tests substitute a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Called before each backoff, e.g. to log that the daemon is unavailable; null for nothing. It runs on the calling
    /// call's path: keep it short, and do not throw (an exception ends the call).
    /// </summary>
    public Action<RetryAttempt>? OnRetry { get; set; }

    /// <summary>The socket directory this process would use by default (see <see cref="SocketDirectory"/>).</summary>
    public static string DefaultSocketDirectory() => Protocol.SocketDirectory.Resolve(Interop.Libc.GetEuid());

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is not acceptable.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(SocketDirectory) || !Path.IsPathRooted(SocketDirectory))
        {
            throw new ArgumentException($"SocketDirectory must be an absolute path, not '{SocketDirectory}'", nameof(SocketDirectory));
        }

        if (string.IsNullOrEmpty(GrpcSocketName) || GrpcSocketName.Contains('/', StringComparison.Ordinal) || GrpcSocketName is "." or "..")
        {
            throw new ArgumentException($"GrpcSocketName must be a plain file name, not '{GrpcSocketName}'", nameof(GrpcSocketName));
        }

        // sockaddr_un holds 108 bytes including the terminating NUL.
        if (Encoding.UTF8.GetByteCount(GrpcSocketPath) > 107 || GrpcSocketPath.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"the gRPC socket path '{GrpcSocketPath}' is longer than a Unix socket address allows (107 bytes)", nameof(SocketDirectory));
        }

        if (MaxAttempts is < 1 or > 1000)
        {
            throw new ArgumentException($"MaxAttempts must be between 1 and 1000, not {MaxAttempts}", nameof(MaxAttempts));
        }

        if (RetryBaseDelay <= TimeSpan.Zero || RetryBaseDelay > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"RetryBaseDelay must be positive and at most an hour, not {RetryBaseDelay}", nameof(RetryBaseDelay));
        }

        if (RetryMaxDelay < RetryBaseDelay || RetryMaxDelay > TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"RetryMaxDelay must be between RetryBaseDelay ({RetryBaseDelay}) and a day, not {RetryMaxDelay}", nameof(RetryMaxDelay));
        }

        if (RetryTimeout != Timeout.InfiniteTimeSpan && (RetryTimeout < TimeSpan.FromMilliseconds(10) || RetryTimeout > TimeSpan.FromDays(1)))
        {
            throw new ArgumentException($"RetryTimeout must be between 10 ms and a day, or infinite, not {RetryTimeout}", nameof(RetryTimeout));
        }

        if (CallTimeout != Timeout.InfiniteTimeSpan && (CallTimeout <= TimeSpan.Zero || CallTimeout > TimeSpan.FromDays(1)))
        {
            throw new ArgumentException($"CallTimeout must be positive and at most a day, or infinite, not {CallTimeout}", nameof(CallTimeout));
        }

        if (HandoutTimeout <= TimeSpan.Zero || HandoutTimeout > TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"HandoutTimeout must be positive and at most a day, not {HandoutTimeout}", nameof(HandoutTimeout));
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException("TimeProvider must not be null", nameof(TimeProvider));
        }
    }
}
