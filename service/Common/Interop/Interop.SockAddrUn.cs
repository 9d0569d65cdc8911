internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// The longest Unix socket path, in UTF-8 bytes: struct sockaddr_un's sun_path holds 108 bytes including the
        /// terminating NUL (sys/un.h). The sockets themselves are .NET's (<see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/>).
        /// </summary>
        internal const int MaxUnixSocketPathBytes = 107;
    }
}
