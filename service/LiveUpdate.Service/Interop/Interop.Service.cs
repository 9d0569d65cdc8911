/// <summary>What the daemon adds to the shared native layer (service/Common/Interop): its exception type.</summary>
internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>The daemon's own native calls fail with an <see cref="ErrnoException"/> (its callers log or map it).</summary>
        private static partial Exception CreateException(int errno, string message) => new ErrnoException(errno, message);
    }
}
