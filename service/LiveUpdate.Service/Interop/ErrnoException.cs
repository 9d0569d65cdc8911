namespace LiveUpdate.Service;

/// <summary>A failed system call of the daemon's own native code: the message names the operation, the path and the errno.</summary>
internal sealed class ErrnoException : IOException
{
    /// <summary>Creates the exception for <paramref name="errno"/>.</summary>
    public ErrnoException(int errno, string message)
        : base(message)
    {
        Errno = errno;
    }

    /// <summary>The errno value the call failed with.</summary>
    public int Errno { get; }
}
