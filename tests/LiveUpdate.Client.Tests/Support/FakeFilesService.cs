using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using LiveUpdate.Protocol;
using LiveUpdate.Protocol.V1;
using Microsoft.Win32.SafeHandles;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Client.Tests.Support;

/// <summary>
/// A stand-in for the daemon's Files service, just enough for client tests: files live in a dictionary, their extents
/// in a tmpfs "region" file, and Open tokens are redeemed on a real SOCK_SEQPACKET fd socket. State survives restarts
/// of the <see cref="FakeDaemon"/> that hosts it, as the region survives the real daemon's.
/// </summary>
internal sealed class FakeFilesService : Files.FilesBase, IDisposable
{
    private readonly ConcurrentDictionary<string, FileInfo> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Access> _tokens = new(StringComparer.Ordinal);
    private readonly SafeFileHandle _readOnly;
    private readonly SafeFileHandle _readWrite;
    private int _unavailableCalls;

    public FakeFilesService(ShmFile region)
    {
        Region = region;
        _readOnly = region.Open(FileAccess.Read);
        _readWrite = region.Open(FileAccess.ReadWrite);
        FdServer = new SeqPacketServer(Redeem);
    }

    public ShmFile Region { get; }

    public SeqPacketServer FdServer { get; }

    /// <summary>Every token Open issued, in order.</summary>
    public ConcurrentQueue<byte[]> IssuedTokens { get; } = new();

    /// <summary>The status the fd socket answers with instead of a descriptor; null for normal service.</summary>
    public HandoutStatus? HandoutFailure { get; set; }

    /// <summary>Makes the next <paramref name="calls"/> calls answer UNAVAILABLE, as a reconciling daemon does.</summary>
    public void FailNextCallsUnavailable(int calls) => Volatile.Write(ref _unavailableCalls, calls);

    /// <summary>Adds a file whose extents are at the given region offsets (2 MiB each, in file order).</summary>
    public FileInfo AddFile(string path, params ulong[] regionOffsets)
    {
        var info = new FileInfo { Path = path, Kind = FileKind.GuestMemory, Inode = (ulong)_files.Count + 2, SizeBytes = (ulong)regionOffsets.Length * (2UL << 20) };
        for (int i = 0; i < regionOffsets.Length; i++)
        {
            info.Extents.Add(new Extent { FileOffset = (ulong)i * (2UL << 20), RegionOffset = regionOffsets[i], Length = 2UL << 20 });
        }

        _files[path] = info;
        return info;
    }

    public override Task<RegionInfo> GetRegion(GetRegionRequest request, ServerCallContext context)
    {
        Gate();
        return Task.FromResult(new RegionInfo { Backend = Backend.File, Path = Region.Path, SizeBytes = (ulong)Region.Bytes.Length, FileCount = (ulong)_files.Count });
    }

    public override Task<FileInfo> CreateFile(CreateFileRequest request, ServerCallContext context)
    {
        Gate();
        var info = new FileInfo
        {
            Path = request.Path,
            Kind = request.Kind,
            SizeBytes = request.SizeBytes,
            VmUuid = request.VmUuid,
            OwnerUid = request.HasOwnerUid ? request.OwnerUid : 0,
            Mode = request.HasMode ? request.Mode : 0x180,
        };
        if (!_files.TryAdd(request.Path, info))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"'{request.Path}' exists"));
        }

        return Task.FromResult(info);
    }

    public override Task<FileInfo> Stat(StatRequest request, ServerCallContext context)
    {
        Gate();
        return Task.FromResult(Find(request.Path));
    }

    public override Task<ListResponse> List(ListRequest request, ServerCallContext context)
    {
        Gate();
        var response = new ListResponse();
        response.Entries.AddRange(_files.Values.OrderBy(f => f.Path, StringComparer.Ordinal));
        return Task.FromResult(response);
    }

    public override Task<RemoveResponse> Remove(RemoveRequest request, ServerCallContext context)
    {
        Gate();
        if (!_files.TryRemove(request.Path, out _))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"'{request.Path}' does not exist"));
        }

        return Task.FromResult(new RemoveResponse());
    }

    public override Task<OpenResponse> Open(OpenRequest request, ServerCallContext context)
    {
        Gate();
        FileInfo info = Find(request.Path);
        byte[] token = RandomNumberGenerator.GetBytes(HandoutToken.Size);
        _tokens[Convert.ToHexString(token)] = request.Access;
        IssuedTokens.Enqueue(token);
        var response = new OpenResponse
        {
            Token = ByteString.CopyFrom(token),
            FdSocketPath = FdServer.SocketPath,
            SizeBytes = info.SizeBytes,
            RegionPath = Region.Path,
            Access = request.Access,
        };
        response.Extents.AddRange(info.Extents);
        return Task.FromResult(response);
    }

    public void Dispose()
    {
        FdServer.Dispose();
        _readOnly.Dispose();
        _readWrite.Dispose();
    }

    private ServerReply Redeem(byte[] token)
    {
        if (HandoutFailure is { } failure)
        {
            return ServerReply.Failure(failure, $"refused: {failure}");
        }

        if (!_tokens.TryRemove(Convert.ToHexString(token), out Access access))
        {
            return ServerReply.Failure(HandoutStatus.UnknownToken, "unknown or used token");
        }

        return ServerReply.Success(access == Access.ReadWrite ? _readWrite : _readOnly);
    }

    private FileInfo Find(string path) =>
        _files.TryGetValue(path, out FileInfo? info) ? info : throw new RpcException(new Status(StatusCode.NotFound, $"'{path}' does not exist"));

    private void Gate()
    {
        while (true)
        {
            int left = Volatile.Read(ref _unavailableCalls);
            if (left <= 0)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _unavailableCalls, left - 1, left) == left)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "reconciling the region with the hypervisor"));
            }
        }
    }
}
