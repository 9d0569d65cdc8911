using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "eventfd_write", SetLastError = true)]
        private static partial int EventFdWriteRaw(SafeDescriptorHandle fd, ulong value);

        /// <summary>eventfd_write(3): adds one to the counter, waking a poll on it. Best effort (a full counter is already awake).</summary>
        internal static void SignalEventFd(SafeDescriptorHandle fd)
        {
            while (EventFdWriteRaw(fd, 1) != 0 && LastErrno == EINTR)
            {
            }
        }
    }
}
