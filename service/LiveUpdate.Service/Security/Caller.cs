namespace LiveUpdate.Service.Security;

/// <summary>An authenticated caller: its peer credentials and whether it is an administrator (root or the admin group).</summary>
internal sealed record Caller(PeerCredentials Peer, bool IsAdmin)
{
    /// <summary>The caller's effective uid.</summary>
    public uint Uid => Peer.Uid;

    /// <summary>The caller's pid (at connect time).</summary>
    public int Pid => Peer.Pid;
}
