using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// close(2). Not retried on EINTR: on Linux the descriptor is released even when close is interrupted, and a
        /// retry could close a descriptor another thread has just been given. Only <see cref="SafeDescriptorHandle"/> calls it.
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }
}
