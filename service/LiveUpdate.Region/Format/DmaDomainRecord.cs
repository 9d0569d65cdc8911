using System.Buffers.Binary;

namespace LiveUpdate.Region.Format;

/// <summary>
/// The first page of a DMA domain's IOMMU_PGTABLE inode: what the domain is, where its second-level tables
/// start, which devices use it and where its mapping records are. Checksummed; the table pages themselves are
/// in the hardware's format and are checked against the mapping records instead.
/// <code>
///    0 magic "LUDM" | 4 version | 8 domain id (16 bit) | 10 address width | 11 levels | 12 owner uid
///   16 VM UUID (16) | 32 top table region offset | 40 first mapping block | 48 physical base the tables use
///   56 device count | 60 reserved | 64 created (unix ms) | 72 reserved
///  128 devices (u32 each: segment &lt;&lt; 16 | bus &lt;&lt; 8 | devfn) | 4088 checksum
/// </code>
/// </summary>
internal static class DmaDomainRecord
{
    /// <summary>"LUDM" little-endian.</summary>
    public const uint MagicValue = 0x4D44554C;

    /// <summary>Layout version of the page.</summary>
    public const uint Version = 1;

    /// <summary>Offset of the device list.</summary>
    public const int DevicesOffset = 128;

    /// <summary>Most devices one domain records.</summary>
    public const int DeviceCapacity = (RegionLayout.SmallGranule - DevicesOffset - sizeof(ulong)) / sizeof(uint);

    /// <summary>The decoded page.</summary>
    public sealed record Contents(ushort DomainId, int AddressWidth, int Levels, uint OwnerUid, Guid VmUuid, long TopTable,
        long FirstMappingBlock, ulong PhysicalBase, long CreatedUnixMs, uint[] Devices);

    /// <summary>Writes a whole sealed page.</summary>
    public static void Write(Span<byte> page, Contents contents)
    {
        page = page[..RegionLayout.SmallGranule];
        page.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(page, MagicValue);
        BinaryPrimitives.WriteUInt32LittleEndian(page[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(page[8..], contents.DomainId);
        page[10] = (byte)contents.AddressWidth;
        page[11] = (byte)contents.Levels;
        BinaryPrimitives.WriteUInt32LittleEndian(page[12..], contents.OwnerUid);
        contents.VmUuid.TryWriteBytes(page[16..32], bigEndian: true, out _);
        BinaryPrimitives.WriteInt64LittleEndian(page[32..], contents.TopTable);
        BinaryPrimitives.WriteInt64LittleEndian(page[40..], contents.FirstMappingBlock);
        BinaryPrimitives.WriteUInt64LittleEndian(page[48..], contents.PhysicalBase);
        BinaryPrimitives.WriteInt32LittleEndian(page[56..], contents.Devices.Length);
        BinaryPrimitives.WriteInt64LittleEndian(page[64..], contents.CreatedUnixMs);
        for (var i = 0; i < contents.Devices.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(page[(DevicesOffset + (i * sizeof(uint)))..], contents.Devices[i]);
        }

        Checksum.Seal(page, Checksum.DmaDomainSeed);
    }

    /// <summary>Reads a page; null with <paramref name="problem"/> set when it is not an intact domain page.</summary>
    public static Contents? Read(ReadOnlySpan<byte> page, out string? problem)
    {
        page = page[..RegionLayout.SmallGranule];
        problem = null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(page) != MagicValue)
        {
            problem = "not a DMA domain page (bad magic)";
            return null;
        }

        if (!Checksum.Verify(page, Checksum.DmaDomainSeed))
        {
            problem = "checksum mismatch";
            return null;
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(page[4..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(page[56..]);
        if (version != Version || count < 0 || count > DeviceCapacity)
        {
            problem = $"unsupported layout version {version} or device count {count}";
            return null;
        }

        var devices = new uint[count];
        for (var i = 0; i < count; i++)
        {
            devices[i] = BinaryPrimitives.ReadUInt32LittleEndian(page[(DevicesOffset + (i * sizeof(uint)))..]);
        }

        return new Contents(
            BinaryPrimitives.ReadUInt16LittleEndian(page[8..]),
            page[10],
            page[11],
            BinaryPrimitives.ReadUInt32LittleEndian(page[12..]),
            new Guid(page.Slice(16, 16), bigEndian: true),
            BinaryPrimitives.ReadInt64LittleEndian(page[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(page[40..]),
            BinaryPrimitives.ReadUInt64LittleEndian(page[48..]),
            BinaryPrimitives.ReadInt64LittleEndian(page[64..]),
            devices);
    }
}
