using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // asm-generic/mman-common.h and asm-generic/mman.h: the same on x86_64 and arm64.
        internal const int PROT_NONE = 0x0;
        internal const int PROT_READ = 0x1;
        internal const int PROT_WRITE = 0x2;
        internal const int MAP_SHARED = 0x01;
        internal const int MAP_PRIVATE = 0x02;
        internal const int MAP_FIXED = 0x10;
        internal const int MAP_ANONYMOUS = 0x20;
        internal const int MAP_NORESERVE = 0x4000;

        /// <summary>mmap's failure value, (void*)-1.</summary>
        internal const nint MAP_FAILED = -1;

        [LibraryImport(Libraries.Libc, EntryPoint = "mmap", SetLastError = true)]
        private static partial nint MmapRaw(nint address, nuint length, int protection, int flags, int fd, long offset);

        /// <summary>
        /// Maps <paramref name="length"/> bytes of <paramref name="fd"/> from offset 0 at an address the kernel picks
        /// (device DAX picks one aligned to the device's alignment). The mapping holds no reference to the descriptor.
        /// </summary>
        internal static SafeMappingHandle Mmap(SafeFileHandle fd, long length, int protection, int flags, string path)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
            bool added = false;
            try
            {
                fd.DangerousAddRef(ref added);
                nint address = MmapRaw(0, (nuint)length, protection, flags, (int)fd.DangerousGetHandle(), 0);
                if (address == MAP_FAILED)
                {
                    throw Error(LastErrno, $"mmap of {path} ({length} bytes)");
                }

                return new SafeMappingHandle(address, (nuint)length);
            }
            finally
            {
                if (added)
                {
                    fd.DangerousRelease();
                }
            }
        }

        /// <summary>
        /// Reserves <paramref name="length"/> bytes of address space starting at a multiple of <paramref name="alignment"/>
        /// (a power of two): an inaccessible, unbacked anonymous mapping (PROT_NONE, MAP_NORESERVE) over-reserved by
        /// <paramref name="alignment"/> and trimmed at both ends. The caller maps over it with
        /// <see cref="TryMapSharedFixed"/>; disposing the handle unmaps the whole range, whatever was mapped over it.
        /// </summary>
        internal static SafeMappingHandle ReserveAligned(nuint length, nuint alignment, string purpose)
        {
            nuint total = checked(length + alignment);
            nint start = MmapRaw(0, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            if (start == MAP_FAILED)
            {
                throw Error(LastErrno, $"mmap reserving {total} bytes of address space for {purpose}");
            }

            nuint aligned = ((nuint)start + alignment - 1) & ~(alignment - 1);
            nuint head = aligned - (nuint)start;
            nuint tail = total - head - length;

            // Trimming an anonymous reservation cannot fail for valid arguments; a failure would only leak address space.
            if (head != 0)
            {
                _ = Munmap(start, head);
            }

            if (tail != 0)
            {
                _ = Munmap((nint)(aligned + length), tail);
            }

            return new SafeMappingHandle((nint)aligned, length);
        }

        /// <summary>
        /// mmap(<paramref name="offsetInView"/> bytes into <paramref name="view"/>, <paramref name="length"/>,
        /// <paramref name="protection"/>, MAP_SHARED | MAP_FIXED, fd, <paramref name="fileOffset"/>) over a range reserved
        /// with <see cref="ReserveAligned"/>. Returns 0, or the errno on failure (EACCES: PROT_WRITE asked of a descriptor
        /// not opened for writing). The mapping holds its own reference to the open file, so <paramref name="fd"/> may be
        /// closed afterwards.
        /// </summary>
        internal static int TryMapSharedFixed(SafeMappingHandle view, nuint offsetInView, nuint length, int protection, SafeFileHandle fd, long fileOffset)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(checked(offsetInView + length), view.Length);
            bool viewAdded = false;
            bool fdAdded = false;
            try
            {
                view.DangerousAddRef(ref viewAdded);
                fd.DangerousAddRef(ref fdAdded);
                nint address = view.DangerousGetHandle() + (nint)offsetInView;
                nint result = MmapRaw(address, length, protection, MAP_SHARED | MAP_FIXED, (int)fd.DangerousGetHandle(), fileOffset);
                return result == MAP_FAILED ? LastErrno : 0;
            }
            finally
            {
                if (fdAdded)
                {
                    fd.DangerousRelease();
                }

                if (viewAdded)
                {
                    view.DangerousRelease();
                }
            }
        }
    }
}
