/// <summary>What the emulator adds to the shared native layer (service/Common/Interop): its exception type.</summary>
internal static partial class Interop
{
    internal static partial class Libc
    {
        private static partial Exception CreateException(int errno, string message) => new ErrnoException(errno, message);
    }
}
