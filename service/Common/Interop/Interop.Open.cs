using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // asm-generic/fcntl.h values, shared by x86_64 and arm64.
        internal const int O_RDONLY = 0x0;
        internal const int O_RDWR = 0x2;
        internal const int O_CREAT = 0x40;
        internal const int O_EXCL = 0x80;
        internal const int O_NOCTTY = 0x100;
        internal const int O_CLOEXEC = 0x80000;

        /// <summary>Mode 0600: read and write for the owner only.</summary>
        internal const uint S_IRUSR_IWUSR = 0x180;

        // open(2) is variadic in C (the mode is a trailing "..."). On the Linux ABIs .NET runs on (x86_64 SysV and
        // AAPCS64) a variadic int is passed exactly like a fixed one, so a fixed mode parameter is safe here.
        [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int OpenRaw(string path, int flags, uint mode);

        /// <summary>
        /// open(2), retried on EINTR. On success the caller owns <paramref name="handle"/> (closed when disposed);
        /// on failure <paramref name="errno"/> says why. Unlike <see cref="File.OpenHandle"/>, it takes no advisory lock.
        /// </summary>
        internal static bool TryOpen(string path, int flags, uint mode, [NotNullWhen(true)] out SafeFileHandle? handle, out int errno)
        {
            while (true)
            {
                // open returns a C int: wrapping it in a SafeHandle directly would read -1 as 0xFFFFFFFF, a "valid" handle.
                int fd = OpenRaw(path, flags, mode);
                if (fd >= 0)
                {
                    handle = new SafeFileHandle(fd, ownsHandle: true);
                    errno = 0;
                    return true;
                }

                errno = LastErrno;
                if (errno != EINTR)
                {
                    handle = null;
                    return false;
                }
            }
        }

        /// <summary>open(2), retried on EINTR; throws <see cref="Error"/> naming the path on failure.</summary>
        internal static SafeFileHandle Open(string path, int flags, uint mode = 0)
        {
            if (!TryOpen(path, flags, mode, out SafeFileHandle? handle, out int errno))
            {
                throw Error(errno, $"open of {path}");
            }

            return handle;
        }
    }
}
