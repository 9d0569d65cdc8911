using LiveUpdate.Qemu.DeviceState;

namespace LiveUpdate.Qemu.Tests;

public sealed class DeviceStateHeaderTests
{
    private static readonly DeviceStateHeader s_header = new(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), 64UL << 20, 291_906);

    private static byte[] Encoded()
    {
        var bytes = new byte[DeviceStateHeader.Size];
        s_header.Encode(bytes);
        return bytes;
    }

    [Fact]
    public void Encode_Layout_IsAsDocumented()
    {
        var bytes = Encoded();
        Assert.Equal("LUQEMUDS"u8.ToArray(), bytes[..8]);
        Assert.Equal([1, 0, 0, 0], bytes[8..12]);
        Assert.Equal([48, 0, 0, 0], bytes[12..16]);
        Assert.Equal(Convert.FromHexString("00112233445566778899aabbccddeeff"), bytes[16..32]);
        Assert.Equal(BitConverter.GetBytes(64UL << 20), bytes[32..40]);
        Assert.Equal(BitConverter.GetBytes(291_906UL), bytes[40..48]);
    }

    [Fact]
    public void Decode_OfEncode_RoundTrips()
    {
        Assert.True(DeviceStateHeader.TryDecode(Encoded(), DeviceStateHeader.Size + 291_906, out var decoded, out var error), error);
        Assert.Equal(s_header, decoded);
    }

    [Fact]
    public void Decode_StreamShorterOrLongerThanTheHeaderSays_IsRefused()
    {
        Assert.False(DeviceStateHeader.TryDecode(Encoded(), DeviceStateHeader.Size + 291_905, out _, out var shorter));
        Assert.Contains("291905 bytes of QEMU state where its header says 291906", shorter, StringComparison.Ordinal);
        Assert.False(DeviceStateHeader.TryDecode(Encoded(), DeviceStateHeader.Size + 291_907, out _, out _));
        Assert.False(DeviceStateHeader.TryDecode(Encoded(), 10, out _, out _));
    }

    [Fact]
    public void Decode_OtherVersionOrSize_IsRefused()
    {
        var version = Encoded();
        version[8] = 2;
        Assert.False(DeviceStateHeader.TryDecode(version, DeviceStateHeader.Size + 291_906, out _, out var error));
        Assert.Contains("version 2", error, StringComparison.Ordinal);
        var size = Encoded();
        size[12] = 64;
        Assert.False(DeviceStateHeader.TryDecode(size, DeviceStateHeader.Size + 291_906, out _, out _));
    }

    [Fact]
    public void Decode_QemusOwnStream_IsNotAHeader()
    {
        // A raw QEMU migration stream starts with "QEVM".
        var raw = new byte[64];
        "QEVM\0\0\0\u0003"u8.CopyTo(raw);
        Assert.False(DeviceStateHeader.TryDecode(raw, raw.Length, out _, out var error));
        Assert.Contains("not a state saved by liveupdate-qemu", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_Garbage_NeverThrows_AndIsRefusedUnlessItIsAValidHeader()
    {
        var random = new Random(14);
        for (int i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 80)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length >= 8)
            {
                "LUQEMUDS"u8.CopyTo(bytes);
            }

            long total = random.Next(-1, 1 << 20);
            if (DeviceStateHeader.TryDecode(bytes, total, out var header, out _))
            {
                Assert.True(header.StreamBytes > 0 && (ulong)total == DeviceStateHeader.Size + header.StreamBytes);
            }
        }
    }

    [Fact]
    public void Encode_IntoAShortBuffer_Throws() =>
        Assert.Throws<ArgumentException>(() => s_header.Encode(new byte[DeviceStateHeader.Size - 1]));
}
