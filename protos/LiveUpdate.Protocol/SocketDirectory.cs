using System.Globalization;

namespace LiveUpdate.Protocol;

/// <summary>
/// The directory that holds the daemon's two sockets, and the rules the daemon and every client follow to find it
/// (docs/design.md §6, §9). The daemon's <c>--socket-dir</c> overrides the directory for the daemon, and the client
/// library's <c>SocketDirectory</c> setting for a client; without them both sides resolve the same default
/// (<see cref="Resolve(uint)"/>).
/// </summary>
public static class SocketDirectory
{
    /// <summary>The environment variable that names the socket directory, for the daemon and its clients alike.</summary>
    public const string EnvironmentVariable = "LIVEUPDATE_SOCKET_DIR";

    /// <summary>The system-wide directory, the default when running as root.</summary>
    public const string SystemDirectory = "/run/liveupdate";

    /// <summary>The gRPC socket's file name (HTTP/2, plain text; the Files, Lifecycle and Dma services).</summary>
    public const string GrpcSocketName = "liveupdate.sock";

    /// <summary>The descriptor socket's file name (AF_UNIX, SOCK_SEQPACKET; see <see cref="HandoutStatus"/>).</summary>
    public const string FdSocketName = "fd.sock";

    /// <summary>
    /// The directory's mode, rwxr-x--- (0750): only its owner (the daemon's uid) and its group reach the sockets, so a
    /// client that is not root must be in the directory's group.
    /// </summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>Each socket file's mode, rw-rw---- (0660): connecting needs write permission on the socket file.</summary>
    public const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>The default directory for this process's environment and the given effective uid (see <see cref="Resolve(Func{string, string?}, uint)"/>).</summary>
    public static string Resolve(uint effectiveUid) => Resolve(Environment.GetEnvironmentVariable, effectiveUid);

    /// <summary>
    /// The default directory: <c>$LIVEUPDATE_SOCKET_DIR</c> when set and not empty; else <c>/run/liveupdate</c> for
    /// root (uid 0); else <c>$XDG_RUNTIME_DIR/liveupdate</c> when XDG_RUNTIME_DIR is an absolute path; else
    /// <c>/tmp/liveupdate-UID</c>.
    /// </summary>
    /// <param name="environment">Reads an environment variable; null when it is not set.</param>
    /// <param name="effectiveUid">The effective uid of the process (geteuid).</param>
    public static string Resolve(Func<string, string?> environment, uint effectiveUid)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? configured = environment(EnvironmentVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        if (effectiveUid == 0)
        {
            return SystemDirectory;
        }

        // The XDG base directory specification says a relative XDG_RUNTIME_DIR is invalid and must be ignored.
        string? runtime = environment("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime) && Path.IsPathRooted(runtime))
        {
            return Path.Join(runtime, "liveupdate");
        }

        return "/tmp/liveupdate-" + effectiveUid.ToString(CultureInfo.InvariantCulture);
    }
}
