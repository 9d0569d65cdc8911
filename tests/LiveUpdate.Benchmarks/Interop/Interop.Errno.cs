using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // EINTR (4) is declared in Interop.Madvise.cs.

        /// <summary>The errno left by the last <c>SetLastError = true</c> import called on this thread.</summary>
        internal static int LastErrno => Marshal.GetLastPInvokeError();

        /// <summary>An exception naming the failed <paramref name="call"/> and <paramref name="errno"/>.</summary>
        internal static InvalidOperationException Failure(string call, int errno) =>
            new($"{call} failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
    }
}
