using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Populate (prefault) page tables writable, allocating and faulting in every page (Linux 5.14).</summary>
        internal const int MADV_POPULATE_WRITE = 23;

        private const int EINTR = 4;
        private const int EINVAL = 22;

        [LibraryImport(Libraries.Libc, EntryPoint = "madvise", SetLastError = true)]
        private static unsafe partial int MadviseRaw(void* address, nuint length, int advice);

        /// <summary>
        /// Faults in [address, address+length) for writing: madvise(MADV_POPULATE_WRITE), or on kernels without it
        /// (EINVAL) one store per 4 KiB page. The range's contents are unspecified afterwards.
        /// </summary>
        internal static unsafe void PrefaultWrite(byte* address, long length)
        {
            while (MadviseRaw(address, (nuint)length, MADV_POPULATE_WRITE) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR)
                {
                    continue;
                }

                if (errno != EINVAL)
                {
                    throw new InvalidOperationException($"madvise(MADV_POPULATE_WRITE) of {length} bytes failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
                }

                for (long offset = 0; offset < length; offset += Environment.SystemPageSize)
                {
                    address[offset] = 0;
                }

                return;
            }
        }
    }
}
