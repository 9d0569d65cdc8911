using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Populate (prefault) page tables readable, faulting in all pages (Linux 5.14).</summary>
        internal const int MADV_POPULATE_READ = 22;

        /// <summary>Populate (prefault) page tables writable, faulting in all pages (Linux 5.14).</summary>
        internal const int MADV_POPULATE_WRITE = 23;

        [LibraryImport(Libraries.Libc, EntryPoint = "madvise", SetLastError = true)]
        private static partial int MadviseRaw(nint address, nuint length, int advice);

        /// <summary>
        /// madvise(MADV_POPULATE_WRITE or MADV_POPULATE_READ) over <paramref name="length"/> bytes at
        /// <paramref name="offset"/> (page-aligned) in <paramref name="mapping"/>, a mapping of <paramref name="path"/>,
        /// retried on EINTR. Returns false when the kernel does not know the advice (EINVAL before Linux 5.14):
        /// prefaulting is only an optimisation. Throws <see cref="Error"/> on any other failure, e.g. EFAULT for a range
        /// past the end of the backing file.
        /// </summary>
        internal static bool TryPopulate(SafeMappingHandle mapping, nuint offset, nuint length, bool write, string path)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(checked(offset + length), mapping.Length);
            bool added = false;
            try
            {
                mapping.DangerousAddRef(ref added);
                return TryPopulate(mapping.DangerousGetHandle() + (nint)offset, length, write, path);
            }
            finally
            {
                if (added)
                {
                    mapping.DangerousRelease();
                }
            }
        }

        /// <summary>
        /// As the <see cref="SafeMappingHandle"/> overload, over <paramref name="length"/> bytes at a page-aligned
        /// <paramref name="address"/> the caller keeps mapped for the duration of the call (memory it did not map itself);
        /// <paramref name="what"/> names the range in the error.
        /// </summary>
        internal static bool TryPopulate(nint address, nuint length, bool write, string what)
        {
            int advice = write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
            while (MadviseRaw(address, length, advice) != 0)
            {
                int errno = LastErrno;
                if (errno == EINTR)
                {
                    continue;
                }

                if (errno == EINVAL)
                {
                    return false;
                }

                string name = write ? "MADV_POPULATE_WRITE" : "MADV_POPULATE_READ";
                throw Error(errno, $"madvise({name}) of {length} bytes of {what}");
            }

            return true;
        }
    }
}
