using Grpc.Core;
using LiveUpdate.Region;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Handout;
using LiveUpdate.Service.Lifecycle;
using LiveUpdate.Service.Limits;
using LiveUpdate.Service.Regions;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Security;
using Microsoft.Extensions.Options;
using Proto = LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Api;

/// <summary>
/// The liveupdate.v1.Files service. Each call: validate the request's fields (INVALID_ARGUMENT), find the region
/// (UNAVAILABLE while not attached), look the path up (NOT_FOUND, FAILED_PRECONDITION for the wrong kind), check the
/// caller may act on it (PERMISSION_DENIED, rules in <see cref="CallerAuthorization"/>), then act. Checks and action
/// happen under <see cref="RegionHost.Mutations"/>, and the engine changes nothing when it refuses, so a rejected request
/// changes nothing. Engine errors become status codes in <see cref="ErrorMappingInterceptor"/>.
/// </summary>
internal sealed partial class FilesService(
    RegionHost regionHost,
    LifecycleGate gate,
    OpenGrants grants,
    Quotas quotas,
    HandoutTokens tokens,
    IOptions<DaemonOptions> options,
    ILogger<FilesService> logger) : Proto.Files.FilesBase
{
    /// <summary>Mode of a new file when the request sets none (0600).</summary>
    private const uint DefaultFileMode = 0x180;

    /// <inheritdoc/>
    public override Task<Proto.RegionInfo> GetRegion(Proto.GetRegionRequest request, ServerCallContext context)
    {
        Callers.Of(context);
        var region = Attached();
        return Task.FromResult(ProtoMapping.ToProto(region.Info, region.GetStatistics()));
    }

    /// <inheritdoc/>
    public override Task<Proto.FileInfo> CreateFile(Proto.CreateFileRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var path = RequestValidation.Path(request.Path, "path");
        var size = RequestValidation.Size(request.SizeBytes, "size_bytes");
        var kind = RequestValidation.CreatableKind(request.Kind);
        var vmUuid = RequestValidation.VmUuid(request.VmUuid);
        var mode = RequestValidation.Mode(request.HasMode, request.Mode, DefaultFileMode);
        var requested = RequestValidation.OwnerUid(request.HasOwnerUid, request.OwnerUid);
        var owner = OwnerOf(caller, requested, "create", path);
        var region = Attached();
        RegionFileInfo file;
        lock (regionHost.Mutations)
        {
            gate.DemandMutable(caller, "create", path, kind == FileKind.DeviceState ? vmUuid : null);
            owner = AuthorizeNew(caller, region, path, isDirectory: false, vmUuid, requested, owner);
            file = quotas.Create(owner, size, () => region.CreateFile(path, size, kind, new CreateFileOptions(vmUuid, owner, mode)));
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            var detail = $"{kind}, {file.Size} bytes in {file.Extents.Count} extents, owner {owner}, mode 0{Convert.ToString(mode, 8)}";
            FilesLog.Changed(logger, "created", file.Path, caller.Uid, caller.Pid, detail);
        }

        return Task.FromResult(ProtoMapping.ToProto(file));
    }

    /// <inheritdoc/>
    public override Task<Proto.FileInfo> MakeDirectory(Proto.MakeDirectoryRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var path = RequestValidation.Path(request.Path, "path");
        // Unset mode: null, for the engine's directory default (0755).
        uint? mode = request.HasMode ? RequestValidation.Mode(hasMode: true, request.Mode, DefaultFileMode) : null;
        var requested = RequestValidation.OwnerUid(request.HasOwnerUid, request.OwnerUid);
        var owner = OwnerOf(caller, requested, "create", path);
        var region = Attached();
        RegionFileInfo directory;
        lock (regionHost.Mutations)
        {
            gate.DemandMutable(caller, "make directory", path);
            owner = AuthorizeNew(caller, region, path, isDirectory: true, Guid.Empty, requested, owner);
            directory = quotas.Create(owner, 0, () => region.MakeDirectory(path, new CreateFileOptions(Guid.Empty, owner, mode)));
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            var detail = $"owner {owner}, mode 0{Convert.ToString(directory.Mode, 8)}";
            FilesLog.Changed(logger, "made directory", directory.Path, caller.Uid, caller.Pid, detail);
        }

        return Task.FromResult(ProtoMapping.ToProto(directory));
    }

    /// <inheritdoc/>
    public override Task<Proto.FileInfo> Stat(Proto.StatRequest request, ServerCallContext context)
    {
        Callers.Of(context);
        var path = RequestValidation.Path(request.Path, "path");
        return Task.FromResult(ProtoMapping.ToProto(Attached().Stat(path)));
    }

    /// <inheritdoc/>
    public override Task<Proto.ListResponse> List(Proto.ListRequest request, ServerCallContext context)
    {
        Callers.Of(context);
        var path = RequestValidation.Path(request.Path, "path");
        var response = new Proto.ListResponse();
        foreach (var entry in Attached().List(path))
        {
            response.Entries.Add(ProtoMapping.ToProto(entry));
        }

        return Task.FromResult(response);
    }

    /// <inheritdoc/>
    public override Task<Proto.FileInfo> Resize(Proto.ResizeRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var path = RequestValidation.Path(request.Path, "path");
        var size = RequestValidation.Size(request.SizeBytes, "size_bytes");
        var region = Attached();
        RegionFileInfo file;
        long before;
        lock (regionHost.Mutations)
        {
            var current = region.Stat(path);
            DemandOwnership(caller, current, "resize");
            gate.DemandMutable(caller, "resize", current.Path, current.Kind == FileKind.DeviceState ? current.VmUuid : null);
            before = current.Size;
            file = quotas.Resize(current, size, () => region.Resize(path, size));
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            var detail = $"{before} -> {file.Size} bytes, {file.Extents.Count} extents";
            FilesLog.Changed(logger, "resized", file.Path, caller.Uid, caller.Pid, detail);
        }

        return Task.FromResult(ProtoMapping.ToProto(file));
    }

    /// <inheritdoc/>
    public override Task<Proto.FileInfo> Rename(Proto.RenameRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var path = RequestValidation.Path(request.Path, "path");
        var newPath = RequestValidation.Path(request.NewPath, "new_path");
        var region = Attached();
        RegionFileInfo file;
        lock (regionHost.Mutations)
        {
            var source = region.Stat(path);
            DemandOwnership(caller, source, "rename");
            AuthorizeTakeOut(caller, region, source, "rename");
            AuthorizeMoveInto(caller, region, source, newPath);
            gate.DemandMutable(caller, "rename", source.Path);
            file = region.Rename(path, newPath);
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            var detail = $"now {file.Path}";
            FilesLog.Changed(logger, "renamed", path, caller.Uid, caller.Pid, detail);
        }

        return Task.FromResult(ProtoMapping.ToProto(file));
    }

    /// <inheritdoc/>
    public override Task<Proto.RemoveResponse> Remove(Proto.RemoveRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var path = RequestValidation.Path(request.Path, "path");
        var region = Attached();
        RegionFileInfo file;
        lock (regionHost.Mutations)
        {
            file = region.Stat(path);
            DemandOwnership(caller, file, "remove");
            AuthorizeTakeOut(caller, region, file, "remove");
            gate.DemandMutable(caller, "remove", file.Path);
            region.Remove(path);
            quotas.Removed(file);
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            var detail = $"{file.Kind}, {file.AllocatedBytes} bytes freed";
            FilesLog.Changed(logger, "removed", file.Path, caller.Uid, caller.Pid, detail);
        }

        return Task.FromResult(new Proto.RemoveResponse());
    }

    /// <inheritdoc/>
    public override Task<Proto.OpenResponse> Open(Proto.OpenRequest request, ServerCallContext context)
    {
        var caller = Callers.Of(context);
        var path = RequestValidation.Path(request.Path, "path");
        var writable = RequestValidation.Writable(request.Access);
        var region = Attached();
        grants.DemandServing();

        lock (regionHost.Mutations)
        {
            var file = region.Stat(path);
            if (file.Kind == FileKind.Directory)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"'{file.Path}' is a directory: only files can be opened"));
            }

            DemandOwnership(caller, file, writable ? "open read-write" : "open");
            Demand(caller, "open", file.Path, DescriptorReach.WhyNot(caller, region, file.Path, writable ? "open read-write" : "open"));
            if (writable)
            {
                gate.DemandMutable(caller, "open read-write", file.Path, file.Kind == FileKind.DeviceState ? file.VmUuid : null);
            }

            return Task.FromResult(grants.Issue(caller, file, writable));
        }
    }

    private PersistentRegion Attached()
    {
        var region = regionHost.RequireAttached();
        gate.DemandNotReconciling();
        return region;
    }

    private uint OwnerOf(Caller caller, uint? requested, string action, string path)
    {
        if (CallerAuthorization.OwnerForNewFile(caller, requested) is { } owner)
        {
            return owner;
        }

        throw Denied(caller, action, path, $"only root, the daemon's uid and the admin group may {action} files owned by another uid (asked for uid {requested})");
    }

    private void DemandOwnership(Caller caller, RegionFileInfo file, string action)
    {
        if (CallerAuthorization.MayManage(caller, file.OwnerUid))
        {
            return;
        }

        throw Denied(caller, action, file.Path,
            $"uid {caller.Uid} may not {action} '{file.Path}': it belongs to uid {file.OwnerUid} (only its owner, root, the daemon's uid and the admin group may)");
    }
}
