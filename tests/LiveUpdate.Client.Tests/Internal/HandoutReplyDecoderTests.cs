using System.Buffers.Binary;
using CsCheck;
using LiveUpdate.Client.Internal;
using LiveUpdate.Protocol;
using static Interop.Libc;

namespace LiveUpdate.Client.Tests.Internal;

public sealed class HandoutReplyDecoderTests
{
    private const string SocketPath = "/run/liveupdate/fd.sock";

    [Fact]
    public void CollectDescriptors_OneRightsMessage_ReturnsItsDescriptor()
    {
        byte[] control = Rights(17);
        Span<int> fds = stackalloc int[2];

        int count = HandoutReplyDecoder.CollectDescriptors(control, fds);

        Assert.Equal(1, count);
        Assert.Equal(17, fds[0]);
    }

    [Fact]
    public void CollectDescriptors_TwoDescriptors_ReturnsBoth()
    {
        byte[] control = Rights(5, 9);
        Span<int> fds = stackalloc int[2];

        int count = HandoutReplyDecoder.CollectDescriptors(control, fds);

        Assert.Equal(2, count);
        Assert.Equal(5, fds[0]);
        Assert.Equal(9, fds[1]);
    }

    [Fact]
    public void CollectDescriptors_OtherLevelOrType_IsIgnored()
    {
        byte[] control = Rights(17);
        BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(12), 2); // SCM_CREDENTIALS
        Span<int> fds = stackalloc int[2];

        Assert.Equal(0, HandoutReplyDecoder.CollectDescriptors(control, fds));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(15UL)]
    [InlineData(25UL)]
    [InlineData(ulong.MaxValue)]
    public void CollectDescriptors_BadHeaderLength_StopsWithoutThrowing(ulong length)
    {
        byte[] control = Rights(17);
        BinaryPrimitives.WriteUInt64LittleEndian(control, length);
        Span<int> fds = stackalloc int[2];

        Assert.Equal(0, HandoutReplyDecoder.CollectDescriptors(control, fds));
    }

    [Fact]
    public void CollectDescriptors_Empty_ReturnsZero()
    {
        Assert.Equal(0, HandoutReplyDecoder.CollectDescriptors([], stackalloc int[2]));
    }

    [Fact]
    public void Check_SuccessWithOneDescriptor_Passes()
    {
        Exception? failure = Record.Exception(() => HandoutReplyDecoder.Check([0x00], 0, 1, SocketPath));

        Assert.Null(failure);
    }

    [Fact]
    public void Check_ErrorStatus_ThrowsHandoutFailedWithStatusAndText()
    {
        byte[] data = [0x02, .. "token expired 3 s ago"u8];

        var e = Assert.Throws<LiveUpdateException>(() => HandoutReplyDecoder.Check(data, 0, 0, SocketPath));

        Assert.Equal(LiveUpdateError.HandoutFailed, e.Error);
        Assert.Equal(HandoutStatus.Expired, e.HandoutStatus);
        Assert.Equal("token expired 3 s ago", e.ServerMessage);
        Assert.Contains("expired token (0x02)", e.Message, StringComparison.Ordinal);
        Assert.Contains(SocketPath, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ErrorStatusWithDescriptor_StillThrowsHandoutFailed()
    {
        byte[] data = [0x05, .. "open failed"u8];

        var e = Assert.Throws<LiveUpdateException>(() => HandoutReplyDecoder.Check(data, 0, 1, SocketPath));

        Assert.Equal(LiveUpdateError.HandoutFailed, e.Error);
        Assert.Equal(HandoutStatus.OpenFailed, e.HandoutStatus);
    }

    [Fact]
    public void Check_ErrorText_ControlCharactersAndBadUtf8AreNeutralised()
    {
        byte[] data = [0x01, (byte)'a', 0x1b, (byte)'[', 0xff, (byte)'b'];

        var e = Assert.Throws<LiveUpdateException>(() => HandoutReplyDecoder.Check(data, 0, 0, SocketPath));

        Assert.Equal("a?[\uFFFDb", e.ServerMessage);
    }

    [Theory]
    [InlineData(MSG_CTRUNC)]
    [InlineData(MSG_TRUNC)]
    public void Check_Truncation_IsProtocolViolation(int flags)
    {
        var e = Assert.Throws<LiveUpdateException>(() => HandoutReplyDecoder.Check([0x00], flags, 1, SocketPath));

        Assert.Equal(LiveUpdateError.ProtocolViolation, e.Error);
        Assert.Contains("broke the protocol", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Check_SuccessWithoutExactlyOneDescriptor_IsProtocolViolation(int descriptors)
    {
        var e = Assert.Throws<LiveUpdateException>(() => HandoutReplyDecoder.Check([0x00], 0, descriptors, SocketPath));

        Assert.Equal(LiveUpdateError.ProtocolViolation, e.Error);
    }

    [Fact]
    public void Check_SuccessWithTrailingBytes_IsProtocolViolation()
    {
        var e = Assert.Throws<LiveUpdateException>(() => HandoutReplyDecoder.Check([0x00, 0x01], 0, 1, SocketPath));

        Assert.Equal(LiveUpdateError.ProtocolViolation, e.Error);
    }

    [Fact]
    public void Check_EmptyMessage_IsUnavailable()
    {
        var e = Assert.Throws<LiveUpdateException>(() => HandoutReplyDecoder.Check([], 0, 0, SocketPath));

        Assert.Equal(LiveUpdateError.Unavailable, e.Error);
    }

    [Fact]
    public void Decoder_AnyBytes_NeverThrowsAnythingButLiveUpdateException()
    {
        Gen.Select(Gen.Byte.Array[0, 64], Gen.Byte.Array[0, 48], Gen.Int[0, 0x7f], Gen.Int[0, 3]).Sample((data, control, flags, count) =>
        {
            Span<int> fds = stackalloc int[2];
            int found = HandoutReplyDecoder.CollectDescriptors(control, fds);
            Assert.InRange(found, 0, control.Length / 4);
            try
            {
                HandoutReplyDecoder.Check(data, flags, count, SocketPath);
                Assert.True(data is [0x00] && count == 1 && (flags & (MSG_TRUNC | MSG_CTRUNC)) == 0);
            }
            catch (LiveUpdateException e)
            {
                Assert.False(string.IsNullOrEmpty(e.Message));
            }
        });
    }

    /// <summary>A control buffer holding one SCM_RIGHTS message with <paramref name="fds"/>, as the kernel writes it.</summary>
    private static byte[] Rights(params int[] fds)
    {
        int payload = fds.Length * sizeof(int);
        var control = new byte[CmsgHdr.Space(payload)];
        BinaryPrimitives.WriteUInt64LittleEndian(control, (ulong)CmsgHdr.MessageLength(payload));
        BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(8), SOL_SOCKET);
        BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(12), SCM_RIGHTS);
        for (int i = 0; i < fds.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(control.AsSpan(CmsgHdr.DataOffset + (4 * i)), fds[i]);
        }

        return control;
    }
}
