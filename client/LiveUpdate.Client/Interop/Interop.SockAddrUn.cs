using System.Runtime.InteropServices;
using System.Text;

namespace LiveUpdate.Client;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const ushort AF_UNIX = 1;

        /// <summary>
        /// struct sockaddr_un (sys/un.h): a 2-byte family and a 108-byte NUL-terminated path.
        /// <code>
        ///  0        2                          110
        ///  +--------+--------------------------+
        ///  | family | path[108]                |
        ///  +--------+--------------------------+
        /// </code>
        /// </summary>
        [StructLayout(LayoutKind.Explicit, Size = TotalSize)]
        internal unsafe struct SockAddrUn
        {
            internal const int TotalSize = 110;
            internal const int PathOffset = 2;
            internal const int PathCapacity = 108;

            /// <summary>sa_family_t sun_family: AF_UNIX.</summary>
            [FieldOffset(0)] public ushort Family;

            /// <summary>char sun_path[108].</summary>
            [FieldOffset(PathOffset)] public fixed byte Path[PathCapacity];

            /// <summary>
            /// An AF_UNIX address for <paramref name="path"/>, and its length for connect (family + path + NUL).
            /// Throws <see cref="LiveUpdateException"/> (InvalidArgument) when the UTF-8 path does not fit in 107 bytes.
            /// </summary>
            internal static SockAddrUn For(string path, out int length)
            {
                int byteCount = Encoding.UTF8.GetByteCount(path);
                if (byteCount == 0 || byteCount >= PathCapacity || path.Contains('\0', StringComparison.Ordinal))
                {
                    throw new LiveUpdateException(
                        LiveUpdateError.InvalidArgument,
                        $"Unix socket path '{path}' is empty, contains NUL or is longer than {PathCapacity - 1} bytes");
                }

                var address = new SockAddrUn { Family = AF_UNIX };
                Encoding.UTF8.GetBytes(path, new Span<byte>(address.Path, PathCapacity));
                length = PathOffset + byteCount + 1;
                return address;
            }
        }
    }
}
