using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int EFD_NONBLOCK = 0x800;
        internal const int EFD_CLOEXEC = 0x80000;

        [LibraryImport(Libraries.Libc, EntryPoint = "eventfd", SetLastError = true)]
        private static partial int EventFdRaw(uint initialValue, int flags);

        /// <summary>eventfd(2), non-blocking and close-on-exec; the caller owns the descriptor.</summary>
        internal static SafeDescriptorHandle EventFd(string purpose)
        {
            int fd = EventFdRaw(0, EFD_NONBLOCK | EFD_CLOEXEC);
            return fd >= 0 ? new SafeDescriptorHandle(fd) : throw Error(LastErrno, $"eventfd for {purpose}");
        }
    }
}
