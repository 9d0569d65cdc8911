namespace LiveUpdate.Region.CrashWorker;

internal static partial class Interop
{
    /// <summary>Names of the native libraries the worker binds to.</summary>
    internal static partial class Libraries
    {
        /// <summary>The C library. The runtime maps the bare name "libc" to the process's C library (libc.so.6 on glibc).</summary>
        internal const string Libc = "libc";
    }
}
