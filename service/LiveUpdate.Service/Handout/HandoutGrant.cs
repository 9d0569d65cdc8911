namespace LiveUpdate.Service.Handout;

/// <summary>
/// What an Open granted: the uid (and pid) that called it, which file (path, inode and generation, for the log), which
/// access, and until when. Ownership was checked when the grant was made.
/// </summary>
internal sealed record HandoutGrant(uint Uid, int Pid, string Path, long Inode, long Generation, bool Writable)
{
    /// <summary>
    /// Namespaces backend: the file's own device node, handed out instead of the region device, and the device number the
    /// opened descriptor must have (device numbers change across a kexec; this is what sysfs said when Open was called).
    /// Null on the other backends.
    /// </summary>
    public FileDevice? Device { get; init; }

    /// <summary>The instant the token stops being valid (set by <see cref="HandoutTokens.TryIssue"/>).</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>"read-write" or "read-only".</summary>
    public string AccessName => Writable ? "read-write" : "read-only";
}

/// <summary>A guest-memory file's own device (namespaces backend): its node and the character device number it must have.</summary>
internal sealed record FileDevice(string Path, uint Major, uint Minor);
