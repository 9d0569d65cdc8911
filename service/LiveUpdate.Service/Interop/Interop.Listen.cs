using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "listen", SetLastError = true)]
        private static partial int ListenRaw(SafeDescriptorHandle fd, int backlog);

        /// <summary>listen(2) on the socket bound to <paramref name="path"/>.</summary>
        internal static void Listen(SafeDescriptorHandle fd, int backlog, string path)
        {
            if (ListenRaw(fd, backlog) != 0)
            {
                throw Error(LastErrno, $"listen on {path}");
            }
        }
    }
}
