using LiveUpdate.Region;

namespace LiveUpdate.Service.Security;

/// <summary>
/// Directories have owners (docs/design.md §13): creating, renaming into or removing inside a directory needs its owner or
/// an administrator. <c>/</c> and <c>/vm</c> belong to root whatever their stored owner; <c>/vm</c> itself may be made by
/// anyone (it is root's), and an entry <c>/vm/{uuid}</c> is made as a directory by the VM's owner (or anyone while the VM
/// has no files) and removed by its own owner.
/// </summary>
internal static class DirectoryOwnership
{
    /// <summary>The directory that holds every VM's own directory.</summary>
    public const string VmRoot = "/vm";

    /// <summary>The directory that holds <paramref name="path"/> (an absolute path other than "/").</summary>
    public static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>The VM a path <c>/vm/{uuid}</c> names, or null when the path is not a VM's directory.</summary>
    public static Guid? VmOfDirectory(string path) =>
        ParentOf(path) == VmRoot && Guid.TryParseExact(path[(VmRoot.Length + 1)..], "D", out var vm) ? vm : null;

    /// <summary>
    /// Null when <paramref name="caller"/> may put an entry named by <paramref name="path"/> into
    /// <paramref name="parent"/>; otherwise the one-line reason. <paramref name="vmDirectoryOwner"/> is, when
    /// <paramref name="path"/> is a new directory <c>/vm/{uuid}</c>, that VM's owner (null while it has no files).
    /// </summary>
    public static string? WhyNotPlace(Caller caller, RegionFileInfo parent, string path, bool isVmDirectory, uint? vmDirectoryOwner)
    {
        if (caller.IsAdmin || (!IsRootOwned(parent.Path) && parent.OwnerUid == caller.Uid))
        {
            return null;
        }

        if (isVmDirectory && (vmDirectoryOwner is null || vmDirectoryOwner == caller.Uid))
        {
            return null;
        }

        return $"uid {caller.Uid} may not create '{path}': the directory '{parent.Path}' belongs to uid {OwnerShown(parent)} {Who}";
    }

    /// <summary>Null when <paramref name="caller"/> may remove (or rename away) <paramref name="entry"/> from <paramref name="parent"/>.</summary>
    public static string? WhyNotRemove(Caller caller, RegionFileInfo parent, RegionFileInfo entry)
    {
        if (caller.IsAdmin || (!IsRootOwned(parent.Path) && parent.OwnerUid == caller.Uid))
        {
            return null;
        }

        if (parent.Path == VmRoot && entry.OwnerUid == caller.Uid)
        {
            return null;
        }

        return $"uid {caller.Uid} may not remove '{entry.Path}': the directory '{parent.Path}' belongs to uid {OwnerShown(parent)} {Who}";
    }

    private const string Who = "(only its owner, root, the daemon's uid and the admin group may change its entries)";

    private static bool IsRootOwned(string directory) => directory is "/" or VmRoot;

    private static uint OwnerShown(RegionFileInfo directory) => IsRootOwned(directory.Path) ? 0 : directory.OwnerUid;
}
