using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        private const int AF_UNIX = 1;
        private const int SOCK_STREAM = 1;
        private const int SOCK_CLOEXEC = 0x80000;

        [LibraryImport(Libraries.Libc, EntryPoint = "socketpair", SetLastError = true)]
        private static unsafe partial int SocketpairRaw(int domain, int type, int protocol, int* fds);

        /// <summary>
        /// socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): two connected stream sockets, close-on-exec (the caller clears
        /// that on the one a child must inherit). The caller owns both descriptors. Throws <see cref="Error"/> on failure.
        /// </summary>
        internal static unsafe (int First, int Second) SocketpairStream()
        {
            int* fds = stackalloc int[2];
            if (SocketpairRaw(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
            {
                throw Error(LastErrno, "socketpair(AF_UNIX, SOCK_STREAM)");
            }

            return (fds[0], fds[1]);
        }
    }
}
