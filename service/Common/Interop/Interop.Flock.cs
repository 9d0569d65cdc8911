using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int LOCK_SH = 1;
        internal const int LOCK_EX = 2;
        internal const int LOCK_NB = 4;
        internal const int LOCK_UN = 8;

        [LibraryImport(Libraries.Libc, EntryPoint = "flock", SetLastError = true)]
        private static partial int FlockRaw(SafeFileHandle fd, int operation);

        /// <summary>
        /// flock(LOCK_EX | LOCK_NB), retried on EINTR. The lock belongs to the open file description, so it lasts
        /// until the descriptor is closed; a second open of the same file (in any process) cannot take it.
        /// Returns false when another holder has it; throws <see cref="Error"/> on any other failure.
        /// </summary>
        internal static bool TryLockExclusive(SafeFileHandle fd, string path)
        {
            while (FlockRaw(fd, LOCK_EX | LOCK_NB) != 0)
            {
                int errno = LastErrno;
                if (errno == EINTR)
                {
                    continue;
                }

                if (errno == EWOULDBLOCK)
                {
                    return false;
                }

                throw Error(errno, $"flock(LOCK_EX|LOCK_NB) of {path}");
            }

            return true;
        }
    }
}
