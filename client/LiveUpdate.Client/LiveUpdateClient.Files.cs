using LiveUpdate.Client.Internal;
using LiveUpdate.Protocol.V1;
using Microsoft.Win32.SafeHandles;
using CultureInfo = System.Globalization.CultureInfo;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Client;

/// <summary>The <c>liveupdate.v1.Files</c> service: the region's files, and the descriptor hand-out.</summary>
public sealed partial class LiveUpdateClient
{
    /// <summary>The generated client of the Files service, on this client's channel. Calls made through it are not retried.</summary>
    public Files.FilesClient FilesClient => field ??= new Files.FilesClient(_channel);

    /// <summary>Region facts: backend, path, size, space, granules, physical base, format, lifecycle state, boot id.</summary>
    public Task<RegionInfo> GetRegionAsync(CancellationToken cancellationToken = default) =>
        InvokeAsync(
            "GetRegion",
            this,
            static (c, ct) => c.FilesClient.GetRegionAsync(new GetRegionRequest(), c.CallOptions(ct)).ResponseAsync,
            cancellationToken);

    /// <summary>
    /// Creates a file of <paramref name="sizeBytes"/> bytes that reads as zeros (guest memory: a positive multiple of
    /// 2 MiB). <paramref name="ownerUid"/> defaults to the caller (only root and the admin group may name another),
    /// <paramref name="mode"/> to 0600. After an ambiguous failure the retry may answer AlreadyExists.
    /// </summary>
    public Task<FileInfo> CreateFileAsync(
        string path,
        ulong sizeBytes,
        FileKind kind,
        Guid? vmUuid = null,
        uint? ownerUid = null,
        uint? mode = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var request = new CreateFileRequest
        {
            Path = path,
            SizeBytes = sizeBytes,
            Kind = kind,
            VmUuid = vmUuid is { } uuid ? uuid.ToString("D", CultureInfo.InvariantCulture) : string.Empty,
        };
        if (ownerUid is { } owner)
        {
            request.OwnerUid = owner;
        }

        if (mode is { } bits)
        {
            request.Mode = bits;
        }

        return InvokeAsync(
            $"CreateFile of {path}",
            (client: this, request),
            static (s, ct) => s.client.FilesClient.CreateFileAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>Creates an empty directory; owner and mode default as for <see cref="CreateFileAsync"/>.</summary>
    public Task<FileInfo> MakeDirectoryAsync(string path, uint? ownerUid = null, uint? mode = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var request = new MakeDirectoryRequest { Path = path };
        if (ownerUid is { } owner)
        {
            request.OwnerUid = owner;
        }

        if (mode is { } bits)
        {
            request.Mode = bits;
        }

        return InvokeAsync(
            $"MakeDirectory of {path}",
            (client: this, request),
            static (s, ct) => s.client.FilesClient.MakeDirectoryAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>Describes one file or directory, with its extents.</summary>
    public Task<FileInfo> StatAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return InvokeAsync(
            $"Stat of {path}",
            (client: this, request: new StatRequest { Path = path }),
            static (s, ct) => s.client.FilesClient.StatAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>Lists a directory ("/" for the root), in ordinal name order.</summary>
    public Task<IReadOnlyList<FileInfo>> ListAsync(string path = "/", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return InvokeAsync(
            $"List of {path}",
            (client: this, request: new ListRequest { Path = path }),
            static async (s, ct) =>
            {
                ListResponse response = await s.client.FilesClient.ListAsync(s.request, s.client.CallOptions(ct)).ResponseAsync.ConfigureAwait(false);
                return (IReadOnlyList<FileInfo>)response.Entries;
            },
            cancellationToken);
    }

    /// <summary>Grows or shrinks a file to <paramref name="sizeBytes"/>; new bytes read as zeros.</summary>
    public Task<FileInfo> ResizeAsync(string path, ulong sizeBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return InvokeAsync(
            $"Resize of {path} to {sizeBytes} bytes",
            (client: this, request: new ResizeRequest { Path = path, SizeBytes = sizeBytes }),
            static (s, ct) => s.client.FilesClient.ResizeAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>Moves or renames <paramref name="path"/> to <paramref name="newPath"/>, which must not exist.</summary>
    public Task<FileInfo> RenameAsync(string path, string newPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(newPath);
        return InvokeAsync(
            $"Rename of {path} to {newPath}",
            (client: this, request: new RenameRequest { Path = path, NewPath = newPath }),
            static (s, ct) => s.client.FilesClient.RenameAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>Removes a file or an empty directory; its space is scrubbed before anyone else gets it.</summary>
    public Task RemoveAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return InvokeAsync(
            $"Remove of {path}",
            (client: this, request: new RemoveRequest { Path = path }),
            static (s, ct) => s.client.FilesClient.RemoveAsync(s.request, s.client.CallOptions(ct)).ResponseAsync,
            cancellationToken);
    }

    /// <summary>
    /// Opens a file for mapping: calls Open for a one-time token, checks the extent map, and redeems the token on the
    /// daemon's fd socket for the descriptor (SCM_RIGHTS). The caller owns the returned <see cref="OpenedFile"/> and
    /// must dispose it. A daemon that disappears between the two steps makes the whole sequence retry with a new token.
    /// Throws <see cref="LiveUpdateException"/>, with <see cref="LiveUpdateError.HandoutFailed"/> and the status byte
    /// when the fd socket refuses the token.
    /// </summary>
    public Task<OpenedFile> OpenAsync(string path, Access access, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (access is not (Access.ReadOnly or Access.ReadWrite))
        {
            throw new ArgumentOutOfRangeException(nameof(access), access, "access must be ReadOnly or ReadWrite");
        }

        return InvokeAsync(
            $"Open of {path}",
            (client: this, path, access),
            static (s, ct) => s.client.OpenOnceAsync(s.path, s.access, ct),
            cancellationToken);
    }

    /// <summary>
    /// Opens <paramref name="path"/> (READ_WRITE when <paramref name="writable"/>, else READ_ONLY), maps it at
    /// consecutive addresses (see <see cref="OpenedFile.Map"/>) and closes the descriptor, which the mapping does not need.
    /// </summary>
    public async Task<MappedFile> MapAsync(string path, bool writable, bool prefault = false, CancellationToken cancellationToken = default)
    {
        using OpenedFile file = await OpenAsync(path, writable ? Access.ReadWrite : Access.ReadOnly, cancellationToken).ConfigureAwait(false);
        return prefault
            ? await Task.Run(() => file.Map(writable, prefault: true), cancellationToken).ConfigureAwait(false)
            : file.Map(writable);
    }

    /// <summary>
    /// One attempt of <see cref="OpenAsync"/>: Open, check, redeem. The token is redeemed on a pooled fd-socket connection
    /// when one is at hand; otherwise the fd socket is connected while the gRPC call is in flight (at the path the daemon
    /// named last time), so the daemon's accept is off the critical path.
    /// </summary>
    private async Task<OpenedFile> OpenOnceAsync(string path, Access access, CancellationToken cancellationToken)
    {
        string? expectedSocket = _fdSocketPath;
        System.Net.Sockets.Socket? connection = expectedSocket is null
            ? null
            : _fdConnections.TryRent(expectedSocket) ?? FdHandoutClient.TryConnectEarly(expectedSocket, _handoutTimeout);
        try
        {
            OpenResponse response = await FilesClient.OpenAsync(new OpenRequest { Path = path, Access = access }, CallOptions(cancellationToken))
                .ResponseAsync.ConfigureAwait(false);
            System.Net.Sockets.Socket? handedOver = connection;
            connection = null;
            return await RedeemAsync(path, access, response, handedOver, expectedSocket, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Open failed: the connection carried nothing and can serve the next attempt.
            if (connection is not null)
            {
                _fdConnections.Return(connection, expectedSocket!);
            }
        }
    }

    /// <summary>
    /// Redeems an OpenResponse (from Open, or from Lifecycle.Reclaim) for its descriptor: checks it, then exchanges the
    /// token on the fd socket, over <paramref name="connection"/> (owned by this call) when it is connected to the socket
    /// the response names.
    /// </summary>
    private async Task<OpenedFile> RedeemAsync(
        string path, Access access, OpenResponse response, System.Net.Sockets.Socket? connection, string? connectionSocket, CancellationToken cancellationToken)
    {
        string socketPath;
        FileExtent[] extents;
        try
        {
            extents = ExtentMap.Validate(response.Extents, response.SizeBytes, path);
            if (response.Token.IsEmpty || string.IsNullOrEmpty(response.FdSocketPath) || !Path.IsPathRooted(response.FdSocketPath))
            {
                throw new LiveUpdateException(
                    LiveUpdateError.ProtocolViolation,
                    $"Open of {path}: the daemon sent no token or no absolute fd socket path ('{response.FdSocketPath}')");
            }

            socketPath = response.FdSocketPath;
            _fdSocketPath = socketPath;
            if (connection is not null && !string.Equals(socketPath, connectionSocket, StringComparison.Ordinal))
            {
                connection.Dispose();
                connection = null;
            }
        }
        catch
        {
            connection?.Dispose();
            throw;
        }

        // The hand-out blocks in recvmsg for tens of microseconds (at most HandoutTimeout): keep it off the thread that
        // completed the gRPC call, which may be the HTTP/2 connection's reader.
        byte[] token = response.Token.ToByteArray();
        TimeSpan timeout = _handoutTimeout;
        FdConnectionPool pool = _fdConnections;
        SafeFileHandle descriptor;
        try
        {
            descriptor = await Task.Run(
                () => FdHandoutClient.Redeem(pool, connection, socketPath, token, timeout, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Task.Run did not start the delegate: the connection is still ours.
            connection?.Dispose();
            throw;
        }

        Access granted = response.Access == Access.Unspecified ? access : response.Access;
        return new OpenedFile(path, descriptor, response.SizeBytes, extents, response.RegionPath, granted);
    }
}
