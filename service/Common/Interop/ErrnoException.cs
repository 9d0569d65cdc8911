/// <summary>
/// A failed system call, for an assembly with no error type of its own: the message names the operation, the path and
/// the errno (<see cref="Interop.Libc.Error"/>).
/// </summary>
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
