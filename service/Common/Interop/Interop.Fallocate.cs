using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int FALLOC_FL_KEEP_SIZE = 0x01;
        internal const int FALLOC_FL_PUNCH_HOLE = 0x02;

        [LibraryImport(Libraries.Libc, EntryPoint = "fallocate", SetLastError = true)]
        private static partial int FallocateRaw(SafeFileHandle fd, int mode, long offset, long length);

        /// <summary>
        /// fallocate(PUNCH_HOLE | KEEP_SIZE): frees the pages of [offset, offset+length) so that they read as zeros
        /// (partial pages at either end are zeroed in place), retried on EINTR. Returns false when the filesystem
        /// answers EOPNOTSUPP; throws <see cref="Error"/> on any other failure.
        /// </summary>
        internal static bool TryPunchHole(SafeFileHandle fd, long offset, long length, string path)
        {
            while (FallocateRaw(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) != 0)
            {
                int errno = LastErrno;
                if (errno == EINTR)
                {
                    continue;
                }

                if (errno == EOPNOTSUPP)
                {
                    return false;
                }

                throw Error(errno, $"fallocate(PUNCH_HOLE) of [0x{offset:x}, +{length}) in {path}");
            }

            return true;
        }
    }
}
