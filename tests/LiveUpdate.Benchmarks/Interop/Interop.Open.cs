using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int O_RDWR = 0x2;
        internal const int O_CLOEXEC = 0x80000;

        [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int OpenRaw(string path, int flags, int mode);

        /// <summary>open(2) of an existing file with <paramref name="flags"/>, retried on EINTR; the descriptor, owned by the caller.</summary>
        internal static int Open(string path, int flags)
        {
            while (true)
            {
                var fd = OpenRaw(path, flags, 0);
                if (fd >= 0)
                {
                    return fd;
                }

                var errno = LastErrno;
                if (errno != EINTR)
                {
                    throw Failure($"open of {path}", errno);
                }
            }
        }
    }
}
