using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Errors;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Security;

/// <summary>
/// Who may do what. The rules (documented in the README's "Who may do what" and the proto's PERMISSION_DENIED line):
/// <list type="bullet">
/// <item>Administrators — uid 0, the daemon's own uid, and members of <c>--admin-group</c> (the peer's gid, or a
/// supplementary group of the peer process from /proc/PID/status, or, when that cannot be read, the group's member
/// list) — may do everything.</item>
/// <item>Everyone who can reach the socket may read metadata: GetRegion, Stat and List of any file.</item>
/// <item>Creating, renaming into or removing inside a directory needs its owner (<see cref="DirectoryOwnership"/>); new
/// files are owned by the caller, and only an administrator may set <c>owner_uid</c> to another uid.</item>
/// <item>A VM belongs to the owner of its first file (<see cref="VmOwnership"/>): only the owner may tag files with it,
/// register as its VMM or reclaim it.</item>
/// <item>Resize, Rename (judged by the source), Remove and Open (either access) need the caller to own the file, or to be an
/// administrator. On the shared backends a descriptor reaches the whole region and goes to administrators only
/// (<see cref="DescriptorReach"/>).</item>
/// </list>
/// Group membership is resolved once per connection, when it is accepted.
/// </summary>
internal sealed class CallerAuthorization
{
    private readonly uint? _adminGid;
    private readonly HashSet<string> _adminMembers = new(StringComparer.Ordinal);
    private readonly uint _daemonUid = Interop.Libc.GetEuid();

    /// <summary>Resolves the admin group (its gid and member list) once, at start.</summary>
    public CallerAuthorization(IOptions<DaemonOptions> options)
    {
        if (options.Value.AdminGroup is { } name)
        {
            var group = Interop.Libc.GetGroup(name)
                ?? throw new DaemonStartupException($"--admin-group: there is no group '{name}'", DaemonStartupException.BadOption);
            _adminGid = group.Gid;
            _adminMembers.UnionWith(group.Members);
        }
    }

    /// <summary>The admin group's gid, or null when none is configured.</summary>
    public uint? AdminGid => _adminGid;

    /// <summary>Decides, once per connection, whether the peer is an administrator: root, the daemon's own uid (it could open
    /// the region anyway) or a member of the admin group.</summary>
    public Caller Identify(PeerCredentials peer) => new(peer, peer.Uid == 0 || peer.Uid == _daemonUid || IsInAdminGroup(peer));

    /// <summary>True when <paramref name="caller"/> may change or open a file owned by <paramref name="ownerUid"/>.</summary>
    public static bool MayManage(Caller caller, uint ownerUid) => caller.IsAdmin || caller.Uid == ownerUid;

    /// <summary>
    /// The owner of a new file: the caller unless <paramref name="requested"/> says otherwise, which only an administrator
    /// may do (asking for one's own uid is always fine). Null when the request must be refused.
    /// </summary>
    public static uint? OwnerForNewFile(Caller caller, uint? requested) =>
        requested is not { } uid || uid == caller.Uid ? caller.Uid
        : caller.IsAdmin ? uid
        : null;

    private bool IsInAdminGroup(PeerCredentials peer)
    {
        if (_adminGid is not { } gid)
        {
            return false;
        }

        if (peer.Gid == gid)
        {
            return true;
        }

        if (ProcessGroups.TryRead(peer.Pid, peer.Uid) is { } groups)
        {
            return groups.Contains(gid);
        }

        return _adminMembers.Count > 0 && Interop.Libc.GetUser(peer.Uid) is { } user && _adminMembers.Contains(user.Name);
    }
}
