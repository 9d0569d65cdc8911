using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AF_UNIX = 1;
        internal const int SOCK_STREAM = 1;
        internal const int SOCK_SEQPACKET = 5;
        internal const int SOCK_NONBLOCK = 0x800;
        internal const int SOCK_CLOEXEC = 0x80000;

        [LibraryImport(Libraries.Libc, EntryPoint = "socket", SetLastError = true)]
        private static partial int SocketRaw(int domain, int type, int protocol);

        /// <summary>socket(2); the caller owns the returned descriptor. <paramref name="purpose"/> names it in errors.</summary>
        internal static SafeDescriptorHandle Socket(int domain, int type, string purpose)
        {
            int fd = SocketRaw(domain, type, 0);
            return fd >= 0 ? new SafeDescriptorHandle(fd) : throw Error(LastErrno, $"socket for {purpose}");
        }
    }
}
