using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SOCK_STREAM = 1;
        internal const int SOCK_SEQPACKET = 5;
        internal const int SOCK_CLOEXEC = 0x80000;

        [LibraryImport(Libraries.Libc, EntryPoint = "socket", SetLastError = true)]
        private static partial int SocketRaw(int domain, int type, int protocol);

        /// <summary>socket(AF_UNIX, <paramref name="type"/> | SOCK_CLOEXEC, 0): a blocking descriptor the caller closes.</summary>
        internal static int UnixSocket(int type)
        {
            var fd = SocketRaw(AF_UNIX, type | SOCK_CLOEXEC, 0);
            return fd >= 0 ? fd : throw Failure("socket(AF_UNIX)", LastErrno);
        }
    }
}
