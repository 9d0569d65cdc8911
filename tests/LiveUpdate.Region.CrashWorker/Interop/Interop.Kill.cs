using System.Runtime.InteropServices;

namespace LiveUpdate.Region.CrashWorker;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Linux signal number of SIGKILL (asm-generic/signal.h; the same on x86_64 and arm64).</summary>
        internal const int SIGKILL = 9;

        [LibraryImport(Libraries.Libc, EntryPoint = "kill", SetLastError = true)]
        private static partial int KillRaw(int pid, int signal);

        /// <summary>
        /// kill(getpid(), SIGKILL): the process dies on the spot, with no finally blocks, no flushing and no
        /// unmapping, exactly as if the kernel or an operator had killed it. Never returns.
        /// </summary>
        internal static void KillSelf()
        {
            if (KillRaw(Environment.ProcessId, SIGKILL) != 0)
            {
                Environment.FailFast($"kill(getpid(), SIGKILL) failed: errno {Marshal.GetLastPInvokeError()}");
            }

            // A signal a process sends itself is delivered before kill() returns; SIGKILL cannot be caught, so
            // this line is never reached. Park rather than run on if it ever were.
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
