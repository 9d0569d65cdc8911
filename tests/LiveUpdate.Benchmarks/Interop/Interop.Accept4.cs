using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "accept4", SetLastError = true)]
        private static unsafe partial int Accept4Raw(int fd, void* address, void* addressLength, int flags);

        /// <summary>accept4(2) with SOCK_CLOEXEC, blocking, retried on EINTR; the connection's descriptor, or -1 with <paramref name="errno"/>.</summary>
        internal static unsafe int TryAccept(int listener, out int errno)
        {
            while (true)
            {
                var fd = Accept4Raw(listener, null, null, SOCK_CLOEXEC);
                if (fd >= 0)
                {
                    errno = 0;
                    return fd;
                }

                errno = LastErrno;
                if (errno != EINTR)
                {
                    return -1;
                }
            }
        }
    }
}
