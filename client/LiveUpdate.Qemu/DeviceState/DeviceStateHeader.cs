using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace LiveUpdate.Qemu.DeviceState;

/// <summary>
/// The header liveupdate-qemu puts before QEMU's migration stream in /vm/{uuid}/device-state. It ties the saved state to
/// the one instance of the guest memory file it was saved against, so that a state is never loaded over another
/// file's bytes (the file removed and recreated since, even at the same size).
/// <code>
///  0        8        12       16                        32       40       48
///  +--------+--------+--------+-------------------------+--------+--------+------------------------
///  | magic  |version | header |  memory instance_id     | memory | stream | QEMU's migration stream
///  |LUQEMUDS|  u32=1 |size=48 |  (UUID, RFC 4122 bytes) | bytes  | bytes  | (stream bytes of it)
///  +--------+--------+--------+-------------------------+--------+--------+------------------------
/// </code>
/// Integers are little-endian; the UUID is in its big-endian (RFC 4122) byte order.
/// </summary>
/// <param name="MemoryInstanceId">The memory file's FileInfo.instance_id when the state was saved.</param>
/// <param name="MemoryBytes">The memory file's size then (QEMU's -m).</param>
/// <param name="StreamBytes">The length of QEMU's migration stream after the header.</param>
internal readonly record struct DeviceStateHeader(Guid MemoryInstanceId, ulong MemoryBytes, ulong StreamBytes)
{
    /// <summary>The header's size; QEMU's stream starts at this offset.</summary>
    public const int Size = 48;

    /// <summary>The only version written and read.</summary>
    public const uint CurrentVersion = 1;

    private const int VersionOffset = 8;
    private const int HeaderSizeOffset = 12;
    private const int InstanceIdOffset = 16;
    private const int MemoryBytesOffset = 32;
    private const int StreamBytesOffset = 40;

    /// <summary>"LUQEMUDS".</summary>
    public static ReadOnlySpan<byte> Magic => "LUQEMUDS"u8;

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"the header needs {Size} bytes", nameof(destination));
        }

        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[VersionOffset..], CurrentVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[HeaderSizeOffset..], Size);
        MemoryInstanceId.TryWriteBytes(destination[InstanceIdOffset..], bigEndian: true, out _);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[MemoryBytesOffset..], MemoryBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[StreamBytesOffset..], StreamBytes);
    }

    /// <summary>
    /// Reads the header of a device state of <paramref name="totalBytes"/> bytes whose first bytes are
    /// <paramref name="source"/>; on failure <paramref name="error"/> says why in a few words (not liveupdate-qemu's
    /// format, another version, a stream cut short).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> source, long totalBytes, out DeviceStateHeader header, [NotNullWhen(false)] out string? error)
    {
        header = default;
        if (source.Length < Size || !source[..Magic.Length].SequenceEqual(Magic))
        {
            error = "it is not a state saved by liveupdate-qemu (no LUQEMUDS header)";
            return false;
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(source[VersionOffset..]);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(source[HeaderSizeOffset..]);
        if (version != CurrentVersion || size != Size)
        {
            error = $"its header is version {version} of {size} bytes; this liveupdate-qemu reads version {CurrentVersion} of {Size} bytes";
            return false;
        }

        var candidate = new DeviceStateHeader(
            new Guid(source.Slice(InstanceIdOffset, 16), bigEndian: true),
            BinaryPrimitives.ReadUInt64LittleEndian(source[MemoryBytesOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[StreamBytesOffset..]));
        if (candidate.StreamBytes == 0 || (ulong)totalBytes - Size != candidate.StreamBytes || totalBytes < Size)
        {
            error = $"it holds {Math.Max(0, totalBytes - Size)} bytes of QEMU state where its header says {candidate.StreamBytes}";
            return false;
        }

        header = candidate;
        error = null;
        return true;
    }
}
