using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SOL_SOCKET = 1;
        internal const int SCM_RIGHTS = 1;

        /// <summary>
        /// struct cmsghdr (sys/socket.h), LP64 layout; the payload follows at <see cref="DataOffset"/> (CMSG_DATA):
        /// <code>
        ///  0          8        12       16
        ///  +----------+--------+--------+----------- - -
        ///  | len      | level  | type   | data …
        ///  | size_t   | int    | int    |
        ///  +----------+--------+--------+----------- - -
        /// </code>
        /// Control messages are aligned to sizeof(size_t) = 8: CMSG_SPACE(n) = 16 + align8(n), CMSG_LEN(n) = 16 + n.
        /// </summary>
        [StructLayout(LayoutKind.Explicit, Size = TotalSize)]
        internal struct CmsgHdr
        {
            internal const int TotalSize = 16;

            /// <summary>CMSG_DATA's offset from the header (CMSG_LEN(0)).</summary>
            internal const int DataOffset = 16;

            /// <summary>size_t cmsg_len: header plus payload, without trailing padding.</summary>
            [FieldOffset(0)] public nuint Length;

            /// <summary>int cmsg_level: SOL_SOCKET for SCM_RIGHTS.</summary>
            [FieldOffset(8)] public int Level;

            /// <summary>int cmsg_type: SCM_RIGHTS.</summary>
            [FieldOffset(12)] public int Type;

            /// <summary>CMSG_ALIGN: rounds up to the 8-byte control-message alignment.</summary>
            internal static int Align(int length) => (length + 7) & ~7;

            /// <summary>CMSG_SPACE(<paramref name="payload"/>): bytes of control buffer one message with that payload takes.</summary>
            internal static int Space(int payload) => DataOffset + Align(payload);

            /// <summary>CMSG_LEN(<paramref name="payload"/>): the cmsg_len of a message with that payload.</summary>
            internal static int MessageLength(int payload) => DataOffset + payload;

            /// <summary>
            /// Collects the descriptors of every SCM_RIGHTS control message in <paramref name="control"/> (the msg_controllen
            /// bytes recvmsg filled) into <paramref name="descriptors"/>, up to its length. Returns how many it found in all,
            /// which may exceed the room. Malformed headers end the walk; this never throws.
            /// </summary>
            internal static int CollectDescriptors(ReadOnlySpan<byte> control, Span<int> descriptors)
            {
                int found = 0;
                int offset = 0;
                while (control.Length - offset >= TotalSize)
                {
                    ReadOnlySpan<byte> header = control[offset..];
                    ulong length = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(header);
                    int level = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
                    int type = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
                    if (length < DataOffset || length > (ulong)header.Length)
                    {
                        break;
                    }

                    if (level == SOL_SOCKET && type == SCM_RIGHTS)
                    {
                        ReadOnlySpan<byte> payload = header[DataOffset..(int)length];
                        for (int i = 0; i + sizeof(int) <= payload.Length; i += sizeof(int))
                        {
                            if (found < descriptors.Length)
                            {
                                descriptors[found] = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(payload[i..]);
                            }

                            found++;
                        }
                    }

                    offset += Align((int)length);
                }

                return found;
            }
        }
    }
}
