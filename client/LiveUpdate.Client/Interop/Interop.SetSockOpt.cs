using System.Runtime.InteropServices;

namespace LiveUpdate.Client;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // asm-generic/socket.h (x86_64 and arm64; the 64-bit-time variants of 32-bit ABIs are not needed on LP64).
        internal const int SO_RCVTIMEO = 20;
        internal const int SO_SNDTIMEO = 21;

        [LibraryImport(Libraries.Libc, EntryPoint = "setsockopt", SetLastError = true)]
        private static unsafe partial int SetSockOptRaw(SafeUnixSocketHandle fd, int level, int name, void* value, uint valueLength);

        /// <summary>
        /// Sets SO_RCVTIMEO and SO_SNDTIMEO of a blocking socket to <paramref name="timeout"/>: a blocked recvmsg or
        /// sendmsg then fails with EAGAIN instead of waiting forever. Throws <see cref="LiveUpdateException"/> on failure.
        /// </summary>
        internal static unsafe void SetTimeouts(SafeUnixSocketHandle fd, TimeSpan timeout, string purpose)
        {
            TimeVal value = TimeVal.From(timeout);
            foreach (int option in (ReadOnlySpan<int>)[SO_RCVTIMEO, SO_SNDTIMEO])
            {
                if (SetSockOptRaw(fd, SOL_SOCKET, option, &value, TimeVal.TotalSize) != 0)
                {
                    string name = option == SO_RCVTIMEO ? "SO_RCVTIMEO" : "SO_SNDTIMEO";
                    throw ErrnoException(LiveUpdateError.Io, LastErrno, $"setsockopt({name}) on {purpose}");
                }
            }
        }
    }
}
