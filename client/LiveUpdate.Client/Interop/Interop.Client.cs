/// <summary>What the client adds to the shared native layer (service/Common/Interop): its exception type.</summary>
internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// The exception for a failed system call: "<paramref name="operation"/> failed: ENAME (strerror text)", and
        /// <paramref name="hint"/> (what to do about it) when given; <see cref="LiveUpdate.Client.LiveUpdateException.Errno"/> keeps the errno.
        /// </summary>
        internal static LiveUpdate.Client.LiveUpdateException ErrnoException(
            LiveUpdate.Client.LiveUpdateError error, int errno, string operation, string? hint = null) =>
            new(error, hint is null ? $"{operation} failed: {Describe(errno)}" : $"{operation} failed: {Describe(errno)}: {hint}")
            {
                Errno = errno,
            };

        /// <summary>
        /// The shared wrappers the client calls that throw are those of its mappings (mmap reserving address space,
        /// madvise prefaulting): their failures are <see cref="LiveUpdate.Client.LiveUpdateError.MapFailed"/>.
        /// </summary>
        private static partial Exception CreateException(int errno, string message) =>
            new LiveUpdate.Client.LiveUpdateException(LiveUpdate.Client.LiveUpdateError.MapFailed, message) { Errno = errno };
    }
}
