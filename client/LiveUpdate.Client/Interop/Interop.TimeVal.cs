using System.Runtime.InteropServices;

namespace LiveUpdate.Client;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// struct timeval (sys/time.h), LP64 layout: the argument of SO_RCVTIMEO and SO_SNDTIMEO.
        /// <code>
        ///  0        8        16
        ///  +--------+--------+
        ///  | sec    | usec   |
        ///  +--------+--------+
        /// </code>
        /// </summary>
        [StructLayout(LayoutKind.Explicit, Size = TotalSize)]
        internal struct TimeVal
        {
            internal const int TotalSize = 16;

            /// <summary>time_t tv_sec.</summary>
            [FieldOffset(0)] public long Seconds;

            /// <summary>suseconds_t tv_usec.</summary>
            [FieldOffset(8)] public long Microseconds;

            /// <summary>The timeval for <paramref name="timeout"/>, at least 1 µs (zero would mean "wait forever").</summary>
            internal static TimeVal From(TimeSpan timeout)
            {
                long micros = Math.Max(1, (long)Math.Ceiling(timeout.TotalMicroseconds));
                return new TimeVal { Seconds = micros / 1_000_000, Microseconds = micros % 1_000_000 };
            }
        }
    }
}
