using Grpc.Core;
using LiveUpdate.Region;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Security;

namespace LiveUpdate.Service.Api;

/// <summary>The ownership rules of docs/design.md §13 as the Files calls apply them: directories, VMs, descriptors.</summary>
internal sealed partial class FilesService
{
    /// <summary>
    /// Demands that <paramref name="caller"/> may create <paramref name="path"/> (a directory, or a file tagged with
    /// <paramref name="vmUuid"/>) and returns its owner: <paramref name="owner"/> as the request resolved it, except that
    /// <c>/vm</c> is always root's, and that a VM's file or directory created by an administrator without
    /// <c>owner_uid</c> gets the VM's owner. Call under <see cref="Regions.RegionHost.Mutations"/>.
    /// </summary>
    private uint AuthorizeNew(Caller caller, PersistentRegion region, string path, bool isDirectory, Guid vmUuid, uint? requested, uint owner)
    {
        if (isDirectory && path == DirectoryOwnership.VmRoot)
        {
            return 0;
        }

        var vmOfDirectory = isDirectory ? DirectoryOwnership.VmOfDirectory(path) : null;
        var vm = vmOfDirectory ?? vmUuid;
        uint? vmOwner = null;
        if (vm != Guid.Empty)
        {
            vmOwner = VmOwnership.OwnerOf(region.ListFilesOfVm(vm));
            Demand(caller, "create", path, VmOwnership.WhyNot(caller, vm, vmOwner, isDirectory ? "make the directory of" : "create files of"));
            if (vmOwner is { } known && owner != known)
            {
                owner = requested is null && caller.IsAdmin ? known
                    : throw Denied(caller, "create", path, $"every file of VM {vm} belongs to its owner uid {known}, so '{path}' cannot be owned by uid {owner}");
            }
        }

        // A missing parent is left to the engine, whose refusal names it.
        var parentPath = DirectoryOwnership.ParentOf(path);
        if (!caller.IsAdmin && region.Exists(parentPath))
        {
            Demand(caller, "create", path, DirectoryOwnership.WhyNotPlace(caller, region.Stat(parentPath), path, vmOfDirectory is not null, vmOwner));
        }

        return owner;
    }

    /// <summary>Demands that <paramref name="caller"/> may take <paramref name="entry"/> out of its directory (remove, rename away).</summary>
    private void AuthorizeTakeOut(Caller caller, PersistentRegion region, RegionFileInfo entry, string action)
    {
        if (caller.IsAdmin)
        {
            return;
        }

        var parent = region.Stat(DirectoryOwnership.ParentOf(entry.Path));
        Demand(caller, action, entry.Path, DirectoryOwnership.WhyNotRemove(caller, parent, entry));
    }

    /// <summary>Demands that <paramref name="caller"/> may put <paramref name="source"/> at <paramref name="newPath"/>.</summary>
    private void AuthorizeMoveInto(Caller caller, PersistentRegion region, RegionFileInfo source, string newPath)
    {
        var isDirectory = source.Kind == FileKind.Directory;
        var owner = AuthorizeNew(caller, region, newPath, isDirectory, isDirectory ? Guid.Empty : source.VmUuid, source.OwnerUid, source.OwnerUid);
        if (owner != source.OwnerUid)
        {
            throw Denied(caller, "rename", source.Path, $"'{newPath}' would belong to uid {owner}, '{source.Path}' belongs to uid {source.OwnerUid}");
        }
    }

    private void Demand(Caller caller, string action, string path, string? reason)
    {
        if (reason is not null)
        {
            throw Denied(caller, action, path, reason);
        }
    }

    private RpcException Denied(Caller caller, string action, string path, string reason)
    {
        FilesLog.Denied(logger, action, path, caller.Uid, caller.Pid, reason);
        return new RpcException(new Status(StatusCode.PermissionDenied, reason));
    }
}
