using System.Runtime.CompilerServices;

namespace LiveUpdate.Region.Format;

/// <summary>A UUID as stored in the region: 16 bytes in RFC 4122 (big-endian) order, readable by any tool.</summary>
[InlineArray(16)]
internal struct Uuid
{
    private byte _first;

    /// <summary>Stores a <see cref="Guid"/>.</summary>
    public static Uuid From(Guid value)
    {
        var uuid = default(Uuid);
        value.TryWriteBytes(uuid, bigEndian: true, out _);
        return uuid;
    }

    /// <summary>Reads back the <see cref="Guid"/>.</summary>
    public readonly Guid ToGuid() => new(this, bigEndian: true);
}
