using System.Runtime.InteropServices;
using System.Text;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Longest socket path: sun_path is 108 bytes including the terminating NUL.</summary>
        internal const int MaxUnixSocketPathBytes = 107;

        /// <summary>
        /// struct sockaddr_un (sys/un.h): <c>0 u16 sun_family, 2 char sun_path[108]</c>, 110 bytes.
        /// </summary>
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct SockaddrUn
        {
            public ushort Family;
            public fixed byte Path[MaxUnixSocketPathBytes + 1];

            /// <summary>An AF_UNIX address for a filesystem <paramref name="path"/> (NUL-terminated).</summary>
            public static SockaddrUn For(string path)
            {
                var address = new SockaddrUn { Family = AF_UNIX };
                var bytes = Encoding.UTF8.GetByteCount(path);
                if (bytes > MaxUnixSocketPathBytes)
                {
                    throw new ArgumentException($"socket path {path} is {bytes} bytes; a Unix socket path holds at most {MaxUnixSocketPathBytes}");
                }

                Encoding.UTF8.GetBytes(path, new Span<byte>(address.Path, MaxUnixSocketPathBytes));
                return address;
            }
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "bind", SetLastError = true)]
        private static unsafe partial int BindRaw(SafeDescriptorHandle fd, SockaddrUn* address, uint length);

        /// <summary>bind(2) of an AF_UNIX socket to the filesystem <paramref name="path"/>.</summary>
        internal static unsafe void BindUnix(SafeDescriptorHandle fd, string path)
        {
            var address = SockaddrUn.For(path);
            if (BindRaw(fd, &address, (uint)sizeof(SockaddrUn)) != 0)
            {
                throw Error(LastErrno, $"bind of {path}");
            }
        }
    }
}
