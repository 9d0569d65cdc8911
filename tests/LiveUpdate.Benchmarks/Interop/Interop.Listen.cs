using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "listen", SetLastError = true)]
        private static partial int ListenRaw(int fd, int backlog);

        /// <summary>listen(2).</summary>
        internal static void Listen(int fd, int backlog)
        {
            if (ListenRaw(fd, backlog) != 0)
            {
                throw Failure("listen", LastErrno);
            }
        }
    }
}
