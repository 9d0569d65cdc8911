using System.Runtime.InteropServices;

/// <summary>
/// kill(2), for the test and benchmark processes (a crash worker killing itself, a benchmark ending a process group):
/// .NET's <see cref="System.Diagnostics.Process.Kill()"/> signals one process, never a group, and no product calls it.
/// </summary>
/// <remarks>
/// Not in <c>Interop</c>: the assemblies that link this file see the engine's (and the client's) internal
/// <c>Interop</c> through InternalsVisibleTo, and a second <c>Interop</c> compiled into them would conflict with it.
/// </remarks>
internal static partial class UnixSignals
{
    // asm-generic/signal.h; the same on x86_64 and arm64.
    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillRaw(int pid, int signal);

    /// <summary>
    /// kill(2); false when the process is gone (ESRCH) or may not be signalled. A negative <paramref name="pid"/> signals
    /// that process group; <paramref name="signal"/> 0 only asks whether it exists.
    /// </summary>
    internal static bool Kill(int pid, int signal) => KillRaw(pid, signal) == 0;

    /// <summary>
    /// kill(getpid(), SIGKILL): the process dies on the spot, with no finally blocks, no flushing and no unmapping,
    /// exactly as if the kernel or an operator had killed it. Never returns.
    /// </summary>
    internal static void KillSelf()
    {
        if (!Kill(Environment.ProcessId, SIGKILL))
        {
            Environment.FailFast($"kill(getpid(), SIGKILL) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        // A signal a process sends itself is delivered before kill() returns; SIGKILL cannot be caught, so this line is
        // never reached. Park rather than run on if it ever were.
        Thread.Sleep(Timeout.Infinite);
    }
}
