using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "accept4", SetLastError = true)]
        private static partial int Accept4Raw(SafeDescriptorHandle fd, nint address, nint addressLength, int flags);

        /// <summary>
        /// accept4(2) with <paramref name="flags"/> (SOCK_CLOEXEC, SOCK_NONBLOCK), retried on EINTR. On success the caller owns
        /// <paramref name="connection"/>; otherwise <paramref name="errno"/> says why (EAGAIN: nothing pending).
        /// </summary>
        internal static bool TryAccept(SafeDescriptorHandle fd, int flags, out SafeDescriptorHandle? connection, out int errno)
        {
            while (true)
            {
                int accepted = Accept4Raw(fd, 0, 0, flags);
                if (accepted >= 0)
                {
                    connection = new SafeDescriptorHandle(accepted);
                    errno = 0;
                    return true;
                }

                errno = LastErrno;
                if (errno != EINTR)
                {
                    connection = null;
                    return false;
                }
            }
        }
    }
}
