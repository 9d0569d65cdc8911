using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "close")]
        private static partial int CloseRaw(int fd);

        /// <summary>close(2); the result is ignored (on Linux the descriptor is gone even when close reports EINTR).</summary>
        internal static void Close(int fd) => _ = CloseRaw(fd);
    }
}
