namespace LiveUpdate.Region;

/// <summary>What went wrong, in terms a caller can map to a status code.</summary>
public enum RegionError
{
    /// <summary>A name, path, size, alignment or UUID is not acceptable.</summary>
    InvalidArgument = 1,
    /// <summary>The path does not exist.</summary>
    NotFound,
    /// <summary>The path exists already.</summary>
    AlreadyExists,
    /// <summary>The region has no room for the request (region full, or out of inodes).</summary>
    NoSpace,
    /// <summary>A directory that must be empty is not.</summary>
    NotEmpty,
    /// <summary>The operation needs a directory and the path is not one, or the reverse.</summary>
    WrongKind,
    /// <summary>The region's state forbids the operation (for example frozen for an update).</summary>
    FailedPrecondition,
    /// <summary>Metadata failed its checksum or an invariant; nothing was written.</summary>
    Corrupt,
    /// <summary>The region was written by a newer engine, or is not a region at all.</summary>
    UnsupportedFormat,
    /// <summary>Another process holds the region.</summary>
    Busy,
    /// <summary>A system call failed.</summary>
    Io,
    /// <summary>The file changed while a long operation on it ran (a read of its contents): nothing was changed, do it again.</summary>
    Conflict,
}
