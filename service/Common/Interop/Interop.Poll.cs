using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>poll(2) event: readable (for a pidfd: the process has exited).</summary>
        internal const short POLLIN = 0x1;

        /// <summary>struct pollfd: the descriptor, the events asked for, the events that happened.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct PollFd
        {
            public int Fd;
            public short Events;
            public short Revents;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "poll", SetLastError = true)]
        private static unsafe partial int PollRaw(PollFd* fds, nuint count, int timeoutMilliseconds);

        /// <summary>
        /// poll(2) over <paramref name="fds"/> for up to <paramref name="timeoutMilliseconds"/> (-1: no limit, 0: just
        /// look), retried on EINTR with the same timeout; returns how many have events (each one's
        /// <see cref="PollFd.Revents"/> set). The caller keeps every descriptor open for the call. Throws
        /// <see cref="Error"/> on failure.
        /// </summary>
        internal static unsafe int Poll(Span<PollFd> fds, int timeoutMilliseconds)
        {
            fixed (PollFd* pointer = fds)
            {
                while (true)
                {
                    int ready = PollRaw(pointer, (nuint)fds.Length, timeoutMilliseconds);
                    if (ready >= 0)
                    {
                        return ready;
                    }

                    int errno = LastErrno;
                    if (errno != EINTR)
                    {
                        throw Error(errno, $"poll of {fds.Length} descriptors");
                    }
                }
            }
        }
    }
}
