using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        private const int F_GETFD = 1;
        private const int F_SETFD = 2;
        private const int FD_CLOEXEC = 1;

        [LibraryImport(Libraries.Libc, EntryPoint = "fcntl", SetLastError = true)]
        private static partial int FcntlRaw(int fd, int command, int argument);

        /// <summary>
        /// Sets or clears FD_CLOEXEC on <paramref name="fd"/> (fcntl F_GETFD/F_SETFD): whether a program this process
        /// execs, or a child it starts, inherits the descriptor. Returns whether it was set before. Throws
        /// <see cref="Error"/> naming <paramref name="what"/>.
        /// </summary>
        internal static bool SetCloseOnExec(int fd, bool closeOnExec, string what)
        {
            int flags = FcntlRaw(fd, F_GETFD, 0);
            if (flags < 0 || FcntlRaw(fd, F_SETFD, closeOnExec ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC) != 0)
            {
                throw Error(LastErrno, $"fcntl(F_SETFD) of {what} (fd {fd})");
            }

            return (flags & FD_CLOEXEC) != 0;
        }
    }
}
