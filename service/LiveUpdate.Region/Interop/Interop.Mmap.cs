using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Region;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int PROT_READ = 0x1;
        internal const int PROT_WRITE = 0x2;
        internal const int MAP_SHARED = 0x01;

        /// <summary>mmap's failure value, (void*)-1.</summary>
        internal const nint MAP_FAILED = -1;

        [LibraryImport(Libraries.Libc, EntryPoint = "mmap", SetLastError = true)]
        private static partial nint MmapRaw(nint address, nuint length, int protection, int flags, SafeFileHandle fd, long offset);

        /// <summary>
        /// Maps <paramref name="length"/> bytes of <paramref name="fd"/> from offset 0 at an address the kernel picks
        /// (device DAX picks one aligned to the device's alignment). The mapping holds no reference to the descriptor.
        /// </summary>
        internal static SafeMappingHandle Mmap(SafeFileHandle fd, long length, int protection, int flags, string path)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
            nint address = MmapRaw(0, (nuint)length, protection, flags, fd, 0);
            if (address == MAP_FAILED)
            {
                throw ErrnoException(LastErrno, $"mmap of {path} ({length} bytes)");
            }

            return new SafeMappingHandle(address, (nuint)length);
        }
    }
}
