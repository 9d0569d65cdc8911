using System.Runtime.InteropServices;

namespace LiveUpdate.Client;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SHUT_RDWR = 2;

        /// <summary>
        /// shutdown(2): wakes a thread blocked in recvmsg or sendmsg on the socket (recvmsg then returns 0) without
        /// closing the descriptor, so no other thread can be handed the same number meanwhile. Used for cancellation;
        /// the result is ignored (ENOTCONN after the peer left is harmless).
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "shutdown", SetLastError = true)]
        internal static partial int Shutdown(SafeUnixSocketHandle fd, int how);
    }
}
