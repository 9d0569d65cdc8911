using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>CPU time consumed by the calling thread.</summary>
        internal const int CLOCK_THREAD_CPUTIME_ID = 3;

        [StructLayout(LayoutKind.Sequential)]
        private struct Timespec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "clock_gettime", SetLastError = true)]
        private static partial int ClockGettimeRaw(int clock, out Timespec time);

        /// <summary>
        /// CPU time the calling thread has used, in milliseconds: unlike wall time it does not grow while other
        /// processes hold the CPU (with workstation GC it includes collections this thread triggers).
        /// </summary>
        internal static double ThreadCpuMilliseconds()
        {
            if (ClockGettimeRaw(CLOCK_THREAD_CPUTIME_ID, out var time) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new InvalidOperationException($"clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
            }

            return (time.Seconds * 1000.0) + (time.Nanoseconds / 1_000_000.0);
        }
    }
}
