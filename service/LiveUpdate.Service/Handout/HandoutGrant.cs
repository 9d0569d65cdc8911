namespace LiveUpdate.Service.Handout;

/// <summary>
/// What an Open granted: the uid (and pid) that called it, which file (path, inode and generation, for the log), which
/// access, and until when. Ownership was checked when the grant was made.
/// </summary>
internal sealed record HandoutGrant(uint Uid, int Pid, string Path, long Inode, long Generation, bool Writable)
{
    /// <summary>The instant the token stops being valid (set by <see cref="HandoutTokens.Issue"/>).</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>"read-write" or "read-only".</summary>
    public string AccessName => Writable ? "read-write" : "read-only";
}
