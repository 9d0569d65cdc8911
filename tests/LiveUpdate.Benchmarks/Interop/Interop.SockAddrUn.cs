using System.Runtime.InteropServices;
using System.Text;

namespace LiveUpdate.Benchmarks;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const ushort AF_UNIX = 1;

        /// <summary>struct sockaddr_un: a 2-byte family and a 108-byte NUL-terminated path.</summary>
        [StructLayout(LayoutKind.Explicit, Size = 110)]
        internal unsafe struct SockAddrUn
        {
            internal const int PathCapacity = 108;

            [FieldOffset(0)] public ushort Family;

            [FieldOffset(2)] public fixed byte Path[PathCapacity];

            /// <summary>The address of <paramref name="path"/> and its length (family + path + NUL).</summary>
            internal static SockAddrUn For(string path, out int length)
            {
                var bytes = Encoding.UTF8.GetByteCount(path);
                if (bytes == 0 || bytes >= PathCapacity)
                {
                    throw new InvalidOperationException($"Unix socket path '{path}' is empty or longer than {PathCapacity - 1} bytes");
                }

                var address = new SockAddrUn { Family = AF_UNIX };
                Encoding.UTF8.GetBytes(path, new Span<byte>(address.Path, PathCapacity));
                length = 2 + bytes + 1;
                return address;
            }
        }
    }
}
