namespace LiveUpdate.Client;

/// <summary>
/// What went wrong in a <see cref="LiveUpdateClient"/> call. The first values mirror the daemon's gRPC status codes
/// (see files.proto); the rest are failures on the client's side of the descriptor hand-out and mapping.
/// </summary>
public enum LiveUpdateError
{
    /// <summary>An unexpected failure: a gRPC status the contract does not use (UNKNOWN, INTERNAL, UNIMPLEMENTED, …).</summary>
    Unknown = 0,

    /// <summary>INVALID_ARGUMENT: a bad name, path, size, alignment, UUID or enum value. Nothing was changed.</summary>
    InvalidArgument = 1,

    /// <summary>NOT_FOUND: the path, or a directory on it, does not exist.</summary>
    NotFound = 2,

    /// <summary>ALREADY_EXISTS: the path exists. After a retried create this may be the first attempt's own file.</summary>
    AlreadyExists = 3,

    /// <summary>RESOURCE_EXHAUSTED: the region is full, or out of inodes, or contents pass the daemon's size cap.</summary>
    ResourceExhausted = 4,

    /// <summary>FAILED_PRECONDITION: frozen for an update, DMA-mapped, directory not empty, or the wrong kind of path.</summary>
    FailedPrecondition = 5,

    /// <summary>
    /// PERMISSION_DENIED: the caller does not own the file; or the kernel refused a writable mapping of a read-only
    /// descriptor; or connecting to the daemon's sockets failed with EACCES (the socket directory does not admit this user).
    /// </summary>
    PermissionDenied = 6,

    /// <summary>
    /// UNAVAILABLE: the daemon is not running, restarting, attaching or reconciling. Retried with backoff by the
    /// client; seen only when the retries ran out.
    /// </summary>
    Unavailable = 7,

    /// <summary>
    /// DATA_LOSS: the daemon found corruption in the region's metadata; or streamed contents do not match their XxHash64
    /// (WriteContents: the daemon changed nothing; ReadContents: the client's check).
    /// </summary>
    DataLoss = 8,

    /// <summary>DEADLINE_EXCEEDED: a call, the hand-out, or the retries as a whole ran past their time limit.</summary>
    DeadlineExceeded = 9,

    /// <summary>The fd socket answered a hand-out with a failure status; <see cref="LiveUpdateException.HandoutStatus"/> says which.</summary>
    HandoutFailed = 10,

    /// <summary>The daemon's answer broke the protocol (a malformed hand-out message, an inconsistent extent map).</summary>
    ProtocolViolation = 11,

    /// <summary>Mapping a file into memory failed (mmap or madvise).</summary>
    MapFailed = 12,

    /// <summary>A system call on the client's side failed (socket, setsockopt, …); <see cref="LiveUpdateException.Errno"/> says why.</summary>
    Io = 13,
}
