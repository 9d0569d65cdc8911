using System.Runtime.InteropServices;

namespace LiveUpdate.Client;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // Socket types and flags (bits/socket_type.h); the same on x86_64 and arm64.
        internal const int SOCK_STREAM = 1;
        internal const int SOCK_SEQPACKET = 5;
        internal const int SOCK_CLOEXEC = 0x80000;

        [LibraryImport(Libraries.Libc, EntryPoint = "socket", SetLastError = true)]
        private static partial int SocketRaw(int domain, int type, int protocol);

        /// <summary>
        /// socket(AF_UNIX, <paramref name="type"/> | SOCK_CLOEXEC, 0): a blocking Unix socket the caller owns
        /// (closed when the handle is disposed). Throws <see cref="LiveUpdateException"/> naming <paramref name="purpose"/>.
        /// </summary>
        internal static SafeUnixSocketHandle UnixSocket(int type, string purpose)
        {
            int fd = SocketRaw(AF_UNIX, type | SOCK_CLOEXEC, 0);
            if (fd < 0)
            {
                throw ErrnoException(LiveUpdateError.Io, LastErrno, $"socket(AF_UNIX) for {purpose}");
            }

            return new SafeUnixSocketHandle(fd);
        }
    }
}
