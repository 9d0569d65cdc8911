using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>The clock of the CPU time the calling thread has used (time.h).</summary>
        internal const int CLOCK_THREAD_CPUTIME_ID = 3;

        /// <summary>struct timespec (time.h), LP64 layout: <c>0 time_t tv_sec, 8 long tv_nsec</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "clock_gettime", SetLastError = true)]
        private static partial int ClockGettimeRaw(int clock, out TimeSpec time);

        /// <summary>
        /// clock_gettime(2) of <paramref name="clock"/>; throws <see cref="Error"/> on failure (EINVAL: a clock this kernel
        /// does not know). It never fails with EINTR.
        /// </summary>
        internal static TimeSpec ClockGettime(int clock)
        {
            if (ClockGettimeRaw(clock, out TimeSpec time) != 0)
            {
                throw Error(LastErrno, $"clock_gettime of clock {clock}");
            }

            return time;
        }
    }
}
