using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const short POLLIN = 0x1;
        internal const short POLLERR = 0x8;
        internal const short POLLHUP = 0x10;
        internal const short POLLNVAL = 0x20;

        /// <summary>struct pollfd: <c>0 i32 fd, 4 i16 events, 6 i16 revents</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct PollFd
        {
            public int Fd;
            public short Events;
            public short ReturnedEvents;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "poll", SetLastError = true)]
        private static unsafe partial int PollRaw(PollFd* fds, nuint count, int timeoutMilliseconds);

        /// <summary>
        /// poll(2) over <paramref name="fds"/>; an interrupted wait (EINTR) returns 0, as a timeout does, so the caller
        /// simply looks again. The descriptors must stay open for the call: the caller's loop owns them all.
        /// </summary>
        internal static unsafe int Poll(Span<PollFd> fds, int timeoutMilliseconds)
        {
            fixed (PollFd* pointer = fds)
            {
                int ready = PollRaw(pointer, (nuint)fds.Length, timeoutMilliseconds);
                if (ready >= 0)
                {
                    return ready;
                }

                int errno = LastErrno;
                return errno == EINTR ? 0 : throw Error(errno, "poll of the descriptor socket");
            }
        }
    }
}
