using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Region.Tests.CrashLoop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // linux/fs.h (uapi): whence values of lseek that find the next data or hole of a sparse file.
        internal const int SEEK_DATA = 3;
        internal const int SEEK_HOLE = 4;

        // asm-generic/errno-base.h: SEEK_DATA at or past the last data.
        internal const int ENXIO = 6;

        [LibraryImport(Libraries.Libc, EntryPoint = "lseek", SetLastError = true)]
        private static partial long LseekRaw(SafeFileHandle fd, long offset, int whence);

        /// <summary>
        /// The ranges of [<paramref name="from"/>, <paramref name="to"/>) that are not holes: the pages of a
        /// sparse region file (tmpfs) that were ever written and not punched out since. The descriptor's file
        /// position moves; the caller owns <paramref name="fd"/> and keeps it open.
        /// </summary>
        internal static IEnumerable<(long Start, long End)> DataRanges(SafeFileHandle fd, long from, long to, string path)
        {
            var position = from;
            while (position < to)
            {
                var data = LseekRaw(fd, position, SEEK_DATA);
                if (data < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == ENXIO)
                    {
                        yield break;
                    }

                    throw new IOException($"lseek(SEEK_DATA, 0x{position:x}) of {path} failed: errno {errno}");
                }

                if (data >= to)
                {
                    yield break;
                }

                var hole = LseekRaw(fd, data, SEEK_HOLE);
                if (hole < 0)
                {
                    throw new IOException($"lseek(SEEK_HOLE, 0x{data:x}) of {path} failed: errno {Marshal.GetLastPInvokeError()}");
                }

                yield return (data, Math.Min(hole, to));
                position = hole;
            }
        }
    }
}
