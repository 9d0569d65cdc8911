using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SIGKILL = 9;
        internal const int SIGTERM = 15;

        [LibraryImport(Libraries.Libc, EntryPoint = "kill", SetLastError = true)]
        private static partial int KillRaw(int pid, int signal);

        /// <summary>
        /// kill(2); false when the process is gone (ESRCH) or may not be signalled. A negative <paramref name="pid"/> signals
        /// that process group; <paramref name="signal"/> 0 only asks whether it exists.
        /// </summary>
        internal static bool Kill(int pid, int signal) => KillRaw(pid, signal) == 0;
    }
}
