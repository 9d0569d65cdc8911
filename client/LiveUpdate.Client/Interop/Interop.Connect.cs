using System.Runtime.InteropServices;

namespace LiveUpdate.Client;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "connect", SetLastError = true)]
        private static unsafe partial int ConnectRaw(SafeUnixSocketHandle fd, SockAddrUn* address, int addressLength);

        /// <summary>
        /// connect(2) of a blocking AF_UNIX socket to <paramref name="path"/>. Returns 0, or the errno on failure.
        /// EINTR is retried; an interrupted connect goes on in the kernel, so a retry answering EISCONN (or EALREADY
        /// followed by EISCONN) means it completed.
        /// </summary>
        internal static unsafe int TryConnect(SafeUnixSocketHandle fd, string path)
        {
            SockAddrUn address = SockAddrUn.For(path, out int length);
            bool interrupted = false;
            while (ConnectRaw(fd, &address, length) != 0)
            {
                int errno = LastErrno;
                if (errno == EINTR || (interrupted && errno == EALREADY))
                {
                    interrupted = true;
                    continue;
                }

                return interrupted && errno == EISCONN ? 0 : errno;
            }

            return 0;
        }
    }
}
