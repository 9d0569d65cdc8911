using System.Runtime.InteropServices;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Tests.Format;

public sealed class UuidTests
{
    [Fact]
    public void From_KnownGuid_StoresRfc4122BigEndianBytes()
    {
        // .NET's Guid.ToByteArray() is mixed-endian (33 22 11 00 55 44 77 66 ...); the region stores RFC order.
        var guid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var uuid = Uuid.From(guid);
        ReadOnlySpan<byte> bytes = uuid;
        Assert.Equal(Convert.FromHexString("00112233445566778899aabbccddeeff"), bytes.ToArray());
        Assert.NotEqual(guid.ToByteArray(), bytes.ToArray());
    }

    [Fact]
    public void From_ThenToGuid_RoundTrips()
    {
        for (var i = 0; i < 1000; i++)
        {
            var guid = Guid.NewGuid();
            Assert.Equal(guid, Uuid.From(guid).ToGuid());
        }

        Assert.Equal(Guid.Empty, Uuid.From(Guid.Empty).ToGuid());
        Assert.Equal(Guid.AllBitsSet, Uuid.From(Guid.AllBitsSet).ToGuid());
    }

    [Fact]
    public void ToGuid_ReadsBytesWrittenByAnotherTool()
    {
        // What `uuidgen` prints is the byte order on the region: a tool reading raw bytes sees the same UUID.
        var uuid = default(Uuid);
        Convert.FromHexString("123e4567e89b12d3a456426614174000").CopyTo((Span<byte>)uuid);
        Assert.Equal(Guid.Parse("123e4567-e89b-12d3-a456-426614174000"), uuid.ToGuid());
    }

    [Fact]
    public void VmUuidInASealedInode_IsInRfcOrderAtOffset56()
    {
        var vm = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var record = default(InodeRecord);
        record.Magic = InodeRecord.MagicValue;
        record.VmUuid = Uuid.From(vm);
        var bytes = new byte[InodeRecord.TotalSize];
        record.WriteSealed(bytes);
        Assert.Equal(Convert.FromHexString("00112233445566778899aabbccddeeff"), bytes[56..72]);
        Assert.Equal(vm, InodeRecord.Read(bytes).VmUuid.ToGuid());
        Assert.Equal(16, MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref record.VmUuid, 1)).Length);
    }
}
