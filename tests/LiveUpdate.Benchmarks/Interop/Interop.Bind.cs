using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "bind", SetLastError = true)]
        private static unsafe partial int BindRaw(int fd, SockAddrUn* address, int addressLength);

        /// <summary>bind(2) of an AF_UNIX socket to <paramref name="path"/>.</summary>
        internal static unsafe void BindUnix(int fd, string path)
        {
            var address = SockAddrUn.For(path, out var length);
            if (BindRaw(fd, &address, length) != 0)
            {
                throw Failure($"bind to {path}", LastErrno);
            }
        }
    }
}
