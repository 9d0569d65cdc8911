using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // asm-generic/fcntl.h values, shared by x86_64 and arm64.
        internal const int O_RDONLY = 0x0;
        internal const int O_RDWR = 0x2;
        internal const int O_NOCTTY = 0x100;
        internal const int O_CLOEXEC = 0x80000;

        [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int OpenRaw(string path, int flags, uint mode);

        /// <summary>
        /// open(2) of an existing file, retried on EINTR. On success the caller owns <paramref name="fd"/>;
        /// on failure <paramref name="errno"/> says why.
        /// </summary>
        internal static bool TryOpen(string path, int flags, out SafeDescriptorHandle? fd, out int errno)
        {
            while (true)
            {
                int opened = OpenRaw(path, flags, 0);
                if (opened >= 0)
                {
                    fd = new SafeDescriptorHandle(opened);
                    errno = 0;
                    return true;
                }

                errno = LastErrno;
                if (errno != EINTR)
                {
                    fd = null;
                    return false;
                }
            }
        }
    }
}
