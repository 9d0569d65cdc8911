namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    /// <summary>Names of the native libraries the benchmarks bind to.</summary>
    internal static class Libraries
    {
        /// <summary>The C library (the runtime maps "libc" to libc.so.6 on glibc).</summary>
        internal const string Libc = "libc";
    }
}
