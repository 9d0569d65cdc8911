using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Region;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "ftruncate", SetLastError = true)]
        private static partial int FtruncateRaw(SafeFileHandle fd, long length);

        /// <summary>ftruncate(2), retried on EINTR: growing a file this way leaves a hole (no blocks allocated).</summary>
        internal static void Ftruncate(SafeFileHandle fd, long length, string path)
        {
            while (FtruncateRaw(fd, length) != 0)
            {
                int errno = LastErrno;
                if (errno != EINTR)
                {
                    throw ErrnoException(errno, $"ftruncate of {path} to {length} bytes");
                }
            }
        }
    }
}
