using System.Runtime.InteropServices;

namespace LiveUpdate.Region;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Populate (prefault) page tables readable, faulting in all pages (Linux 5.14).</summary>
        internal const int MADV_POPULATE_READ = 22;

        [LibraryImport(Libraries.Libc, EntryPoint = "madvise", SetLastError = true)]
        private static unsafe partial int MadviseRaw(void* address, nuint length, int advice);

        /// <summary>
        /// madvise(MADV_POPULATE_READ) over a page-aligned range of a mapping of <paramref name="path"/>, retried on
        /// EINTR. EINVAL is ignored: kernels before 5.14 do not know the advice, and prefetching is only an optimisation.
        /// </summary>
        internal static unsafe void PopulateRead(byte* address, nuint length, string path)
        {
            while (MadviseRaw(address, length, MADV_POPULATE_READ) != 0)
            {
                int errno = LastErrno;
                if (errno == EINTR)
                {
                    continue;
                }

                if (errno == EINVAL)
                {
                    return;
                }

                throw ErrnoException(errno, $"madvise(MADV_POPULATE_READ) of {length} bytes of {path}");
            }
        }
    }
}
