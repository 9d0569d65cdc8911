using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // glibc ≥ 2.36 wraps the system call (Linux ≥ 5.3). The descriptor is close-on-exec.
        [LibraryImport(Libraries.Libc, EntryPoint = "pidfd_open", SetLastError = true)]
        private static partial int PidfdOpenRaw(int pid, uint flags);

        /// <summary>
        /// pidfd_open(2): a descriptor that refers to the process <paramref name="pid"/> itself, not to its number, so
        /// that it can be watched until that process exits (it polls readable then) even if the pid is later reused.
        /// On success the caller owns <paramref name="pidfd"/>; on failure <paramref name="errno"/> says why (ESRCH:
        /// no such process).
        /// </summary>
        internal static bool TryPidfdOpen(int pid, [NotNullWhen(true)] out SafeFileHandle? pidfd, out int errno)
        {
            int fd = PidfdOpenRaw(pid, 0);
            if (fd >= 0)
            {
                pidfd = new SafeFileHandle(fd, ownsHandle: true);
                errno = 0;
                return true;
            }

            pidfd = null;
            errno = LastErrno;
            return false;
        }
    }
}
