using System.Net.Sockets;
using LiveUpdate.Protocol;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Observability;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Sockets;

/// <summary>
/// The daemon's socket directory and the two socket files in it (where it is: <see cref="SocketDirectory"/>, the contract's rules).
/// <list type="bullet">
/// <item>The directory is created mode 0750 (set with chmod, whatever the umask); an existing one must be a real directory
/// owned by the daemon's uid and is set to 0750 too. A new directory gets the admin group (when configured and
/// the daemon may set it); an existing one keeps its group, which deploy (tmpfiles) chooses. Non-root clients must be in
/// the directory's group to reach the sockets at all.</item>
/// <item>A socket file left behind is replaced only when nothing answers on it (connect is refused); when a daemon answers,
/// start-up stops with a clear message.</item>
/// <item>Each socket file is given the directory's group and mode 0660 right after it is bound: before its
/// <c>listen</c> for the descriptor socket, just after Kestrel's bind for the gRPC socket (before READY=1). Until then it has
/// the umask's mode inside the 0750 directory, which is never more open than the directory.</item>
/// <item>At stop, after both sockets stopped listening, the files this daemon created are removed.</item>
/// </list>
/// </summary>
internal sealed class DaemonSocketDirectory(IOptions<DaemonOptions> options, ILogger<DaemonSocketDirectory> logger) : IDisposable
{
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private bool _owned;
    private uint _groupId;

    /// <summary>The directory path.</summary>
    public string Path => options.Value.SocketDirectory;

    /// <summary>Creates or checks the directory and clears stale socket files. Throws <see cref="DaemonStartupException"/>.</summary>
    public void Prepare()
    {
        lock (_lock)
        {
            if (_owned)
            {
                return;
            }

            var settings = options.Value;
            PrepareDirectory(settings);
            ClearStale(settings.GrpcSocketPath, SocketType.Stream);
            ClearStale(settings.FdSocketPath, SocketType.Seqpacket);
            _owned = true;
        }
    }

    /// <summary>Gives a freshly bound socket file the directory's group and mode 0660.</summary>
    public void SecureSocket(string path)
    {
        try
        {
            if (Interop.Libc.TryStatx(path, noFollow: true, out var status, out _) && status.Gid != _groupId)
            {
                Interop.Libc.Lchown(path, Interop.Libc.Unchanged, _groupId);
            }
        }
        catch (ErrnoException ex)
        {
            // Not root and not in the directory's group: the socket keeps the daemon's group.
            DaemonLog.SocketGroupNotSet(logger, path, _groupId, ex.Message);
        }

        File.SetUnixFileMode(path, SocketDirectory.SocketMode);
    }

    /// <summary>Removes the socket files this daemon created (Kestrel may have removed its own already). Idempotent.</summary>
    public void RemoveSockets()
    {
        lock (_lock)
        {
            if (!_owned)
            {
                return;
            }

            _owned = false;
            var settings = options.Value;
            foreach (var path in new[] { settings.GrpcSocketPath, settings.FdSocketPath })
            {
                if (Interop.Libc.TryStatx(path, noFollow: true, out var status, out _) && status.FileType == Interop.Libc.S_IFSOCK)
                {
                    File.Delete(path);
                }
            }

            DaemonLog.SocketsRemoved(logger, settings.SocketDirectory);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => RemoveSockets();

    private void PrepareDirectory(DaemonOptions settings)
    {
        var path = settings.SocketDirectory;
        var euid = Interop.Libc.GetEuid();
        if (!Interop.Libc.TryStatx(path, noFollow: true, out var status, out var errno))
        {
            if (errno != Interop.Libc.ENOENT)
            {
                throw new DaemonStartupException($"socket directory {path}: {Interop.Libc.Describe(errno)}");
            }

            var parent = System.IO.Path.GetDirectoryName(path);
            if (parent is null || !Directory.Exists(parent))
            {
                throw new DaemonStartupException($"socket directory {path}: its parent directory {parent} does not exist");
            }

            try
            {
                Directory.CreateDirectory(path, SocketDirectory.DirectoryMode);
                File.SetUnixFileMode(path, SocketDirectory.DirectoryMode);
                if (settings.AdminGroup is { } group && Interop.Libc.GetGroup(group) is { } admin)
                {
                    TrySetGroup(path, admin.Gid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new DaemonStartupException($"cannot create socket directory {path}: {ex.Message}", inner: ex);
            }

            DaemonLog.SocketDirectoryCreated(logger, path);
            if (!Interop.Libc.TryStatx(path, noFollow: true, out status, out errno))
            {
                throw new DaemonStartupException($"socket directory {path}: {Interop.Libc.Describe(errno)}");
            }
        }
        else
        {
            if (status.FileType != Interop.Libc.S_IFDIR)
            {
                throw new DaemonStartupException($"socket directory {path} exists and is not a directory (a symlink is not accepted)");
            }

            if (status.Uid != euid)
            {
                throw new DaemonStartupException(
                    $"socket directory {path} belongs to uid {status.Uid}, not to the daemon's uid {euid}: refusing to serve from a directory someone else controls");
            }

            if (status.Permissions != (uint)SocketDirectory.DirectoryMode)
            {
                File.SetUnixFileMode(path, SocketDirectory.DirectoryMode);
                DaemonLog.SocketDirectoryModeFixed(logger, path, Convert.ToString(status.Permissions, 8));
            }
        }

        _groupId = status.Gid;
    }

    private void TrySetGroup(string path, uint gid)
    {
        try
        {
            Interop.Libc.Lchown(path, Interop.Libc.Unchanged, gid);
        }
        catch (ErrnoException ex)
        {
            DaemonLog.SocketGroupNotSet(logger, path, gid, ex.Message);
        }
    }

    /// <summary>Removes a socket file nobody answers on; refuses when a daemon answers or the path is not a socket.</summary>
    private void ClearStale(string path, SocketType type)
    {
        if (!Interop.Libc.TryStatx(path, noFollow: true, out var status, out var errno))
        {
            if (errno == Interop.Libc.ENOENT)
            {
                return;
            }

            throw new DaemonStartupException($"{path}: {Interop.Libc.Describe(errno)}");
        }

        if (status.FileType != Interop.Libc.S_IFSOCK)
        {
            throw new DaemonStartupException($"{path} exists and is not a socket: refusing to replace it");
        }

        using var probe = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        using var timeout = new CancellationTokenSource(s_probeTimeout);
        try
        {
            probe.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Bound by a process that is gone (a SIGKILLed daemon): nobody listens, so it is safe to replace.
            File.Delete(path);
            DaemonLog.StaleSocketRemoved(logger, path);
            return;
        }
        catch (OperationCanceledException)
        {
            throw new DaemonStartupException(
                $"{path} is bound by a process that accepts no connection (another daemon, busy?): stop it first, or use another --socket-dir");
        }
        catch (SocketException ex)
        {
            throw new DaemonStartupException($"cannot probe {path}: {ex.Message}", inner: ex);
        }

        throw new DaemonStartupException($"another daemon is serving {path}: stop it first, or use another --socket-dir");
    }
}
