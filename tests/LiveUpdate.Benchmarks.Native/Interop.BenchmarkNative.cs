/// <summary>What the benchmarks' facade adds to the shared native layer (service/Common/Interop): its exception type.</summary>
internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>A failed call ends the benchmark that made it: an <see cref="IOException"/> naming the call and the errno.</summary>
        private static partial Exception CreateException(int errno, string message) => new IOException(message);
    }
}
