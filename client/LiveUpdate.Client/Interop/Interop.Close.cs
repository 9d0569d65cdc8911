using System.Runtime.InteropServices;

namespace LiveUpdate.Client;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// close(2). Never retried: on Linux the descriptor is released even when close reports EINTR, and a retry
        /// could close a descriptor another thread has just been given. Callers that own a raw descriptor call it once.
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }
}
