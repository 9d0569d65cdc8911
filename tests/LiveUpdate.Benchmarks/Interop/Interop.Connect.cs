using System.Runtime.InteropServices;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "connect", SetLastError = true)]
        private static unsafe partial int ConnectRaw(int fd, SockAddrUn* address, int addressLength);

        /// <summary>connect(2) of a blocking AF_UNIX socket to <paramref name="address"/> (see <see cref="SockAddrUn.For"/>); 0 or the errno.</summary>
        internal static unsafe int TryConnect(int fd, in SockAddrUn address, int length)
        {
            fixed (SockAddrUn* pointer = &address)
            {
                return ConnectRaw(fd, pointer, length) == 0 ? 0 : LastErrno;
            }
        }

        /// <summary>connect(2) as <see cref="TryConnect"/>, throwing on failure.</summary>
        internal static void Connect(int fd, in SockAddrUn address, int length)
        {
            var errno = TryConnect(fd, address, length);
            if (errno != 0)
            {
                throw Failure("connect", errno);
            }
        }
    }
}
