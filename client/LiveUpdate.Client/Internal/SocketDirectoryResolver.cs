using System.Globalization;

namespace LiveUpdate.Client.Internal;

/// <summary>Finds the daemon's socket directory the way the daemon chooses it.</summary>
internal static class SocketDirectoryResolver
{
    /// <summary>The environment variable that names the socket directory, for the daemon and its clients alike.</summary>
    internal const string OverrideVariable = "LIVEUPDATE_SOCKET_DIR";

    /// <summary>The system-wide directory, used when running as root.</summary>
    internal const string SystemDirectory = "/run/liveupdate";

    /// <summary>The directory for this process's environment and effective uid.</summary>
    internal static string Resolve() => Resolve(Environment.GetEnvironmentVariable, Interop.Libc.GetEuid());

    /// <summary>
    /// <c>$LIVEUPDATE_SOCKET_DIR</c> when set; else <c>/run/liveupdate</c> for root; else
    /// <c>$XDG_RUNTIME_DIR/liveupdate</c> when that is an absolute path; else <c>/tmp/liveupdate-UID</c>.
    /// </summary>
    internal static string Resolve(Func<string, string?> environment, uint effectiveUid)
    {
        string? configured = environment(OverrideVariable);
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
