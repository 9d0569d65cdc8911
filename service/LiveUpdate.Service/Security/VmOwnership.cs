using LiveUpdate.Region;

namespace LiveUpdate.Service.Security;

/// <summary>
/// Who a VM belongs to (docs/design.md §13): the owner uid of its first file. Every file tagged with a VM has that owner
/// (creation keeps it so); in a region written before the rule, the first file decides and files of other uids are
/// strangers the VM's owner does not inherit. Only the owner and administrators may tag files with the VM, register as its
/// VMM or reclaim it.
/// </summary>
internal static class VmOwnership
{
    /// <summary>The owner of the VM whose files are <paramref name="filesOfVm"/>, or null when it has none yet.</summary>
    public static uint? OwnerOf(IReadOnlyList<RegionFileInfo> filesOfVm) =>
        filesOfVm.Count == 0 ? null
        : filesOfVm.MinBy(file => (file.CreatedAt, file.Inode))!.OwnerUid;

    /// <summary>
    /// Null when <paramref name="caller"/> may act for the VM as <paramref name="action"/> says (it is the VM's owner, the
    /// VM has none yet, or the caller is an administrator); otherwise the one-line reason.
    /// </summary>
    public static string? WhyNot(Caller caller, Guid vmUuid, uint? owner, string action) =>
        caller.IsAdmin || owner is null || owner == caller.Uid ? null
        : $"uid {caller.Uid} may not {action} VM {vmUuid}: it belongs to uid {owner} (only its owner, root, the daemon's uid and the admin group may)";
}
