using System.Collections.Concurrent;
using LiveUpdate.Service.Configuration;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Limits;

/// <summary>
/// Which owner uids have no quota: root, the daemon's own uid and the members of <c>--admin-group</c> (by the account
/// database: the user's primary group or the group's member list, read once per uid). A file's owner may not be
/// connected, so its process groups cannot be read as a caller's are.
/// </summary>
internal sealed class QuotaExemption
{
    private readonly uint _daemonUid = Interop.Libc.GetEuid();
    private readonly (uint Gid, HashSet<string> Members)? _adminGroup;
    private readonly ConcurrentDictionary<uint, bool> _known = new();

    /// <summary>Resolves the admin group once, at start.</summary>
    public QuotaExemption(IOptions<DaemonOptions> options)
    {
        if (options.Value.AdminGroup is { } name && Interop.Libc.GetGroup(name) is { } group)
        {
            _adminGroup = (group.Gid, new HashSet<string>(group.Members, StringComparer.Ordinal));
        }
    }

    /// <summary>True when <paramref name="uid"/> is root, the daemon's uid or a member of the admin group.</summary>
    public bool IsExempt(uint uid) => uid == 0 || uid == _daemonUid || _known.GetOrAdd(uid, InAdminGroup);

    private bool InAdminGroup(uint uid) =>
        _adminGroup is { } group && Interop.Libc.GetUser(uid) is { } user && (user.Gid == group.Gid || group.Members.Contains(user.Name));
}
