using System.Runtime.InteropServices;
using static LiveUpdate.Client.Interop.Libc;

namespace LiveUpdate.Client.Tests.Native;

/// <summary>The native structs match the LP64 Linux ABI (x86_64 and arm64), field by field.</summary>
public sealed class InteropLayoutTests
{
    [Fact]
    public void TestsRunOnLp64()
    {
        Assert.Equal(8, IntPtr.Size);
        Assert.True(OperatingSystem.IsLinux());
    }

    [Fact]
    public unsafe void IoVec_HasLp64Layout()
    {
        Assert.Equal(16, sizeof(IoVec));
        Assert.Equal(IoVec.TotalSize, sizeof(IoVec));
        Assert.Equal(0, Offset<IoVec>(nameof(IoVec.Base)));
        Assert.Equal(8, Offset<IoVec>(nameof(IoVec.Length)));
    }

    [Fact]
    public unsafe void MsgHdr_HasLp64Layout()
    {
        Assert.Equal(56, sizeof(MsgHdr));
        Assert.Equal(MsgHdr.TotalSize, sizeof(MsgHdr));
        Assert.Equal(0, Offset<MsgHdr>(nameof(MsgHdr.Name)));
        Assert.Equal(8, Offset<MsgHdr>(nameof(MsgHdr.NameLength)));
        Assert.Equal(16, Offset<MsgHdr>(nameof(MsgHdr.IoVecs)));
        Assert.Equal(24, Offset<MsgHdr>(nameof(MsgHdr.IoVecCount)));
        Assert.Equal(32, Offset<MsgHdr>(nameof(MsgHdr.Control)));
        Assert.Equal(40, Offset<MsgHdr>(nameof(MsgHdr.ControlLength)));
        Assert.Equal(48, Offset<MsgHdr>(nameof(MsgHdr.Flags)));
    }

    [Fact]
    public unsafe void CmsgHdr_HasLp64LayoutAndMacros()
    {
        Assert.Equal(16, sizeof(CmsgHdr));
        Assert.Equal(0, Offset<CmsgHdr>(nameof(CmsgHdr.Length)));
        Assert.Equal(8, Offset<CmsgHdr>(nameof(CmsgHdr.Level)));
        Assert.Equal(12, Offset<CmsgHdr>(nameof(CmsgHdr.Type)));
        Assert.Equal(16, CmsgHdr.DataOffset);

        // CMSG_SPACE(sizeof(int)) = 24 and CMSG_LEN(sizeof(int)) = 20 on LP64 glibc.
        Assert.Equal(24, CmsgHdr.Space(sizeof(int)));
        Assert.Equal(20, CmsgHdr.MessageLength(sizeof(int)));
        Assert.Equal(24, CmsgHdr.Space(2 * sizeof(int)));
        Assert.Equal(32, CmsgHdr.Space(3 * sizeof(int)));
        Assert.Equal(24, LiveUpdate.Client.Internal.FdHandoutClient.ControlBufferSize);
    }

    [Fact]
    public unsafe void SockAddrUn_HasLinuxLayout()
    {
        Assert.Equal(110, sizeof(SockAddrUn));
        Assert.Equal(0, Offset<SockAddrUn>(nameof(SockAddrUn.Family)));
        Assert.Equal(2, Offset<SockAddrUn>(nameof(SockAddrUn.Path)));
    }

    [Fact]
    public unsafe void SockAddrUn_For_EncodesPathAndLength()
    {
        SockAddrUn address = SockAddrUn.For("/run/liveupdate/fd.sock", out int length);

        Assert.Equal(AF_UNIX, address.Family);
        Assert.Equal(2 + 23 + 1, length);
        Assert.Equal((byte)'/', address.Path[0]);
        Assert.Equal((byte)'k', address.Path[22]);
        Assert.Equal(0, address.Path[23]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/a\0b")]
    public void SockAddrUn_For_RejectsEmptyOrNul(string path)
    {
        var e = Assert.Throws<LiveUpdateException>(() => SockAddrUn.For(path, out _));
        Assert.Equal(LiveUpdateError.InvalidArgument, e.Error);
    }

    [Fact]
    public void SockAddrUn_For_RejectsPathOf108Bytes_Accepts107()
    {
        _ = SockAddrUn.For("/" + new string('a', 106), out int length);
        Assert.Equal(110, length);

        var e = Assert.Throws<LiveUpdateException>(() => SockAddrUn.For("/" + new string('a', 107), out _));
        Assert.Equal(LiveUpdateError.InvalidArgument, e.Error);
    }

    [Fact]
    public unsafe void TimeVal_HasLp64Layout_AndConvertsTimeouts()
    {
        Assert.Equal(16, sizeof(TimeVal));
        Assert.Equal(0, Offset<TimeVal>(nameof(TimeVal.Seconds)));
        Assert.Equal(8, Offset<TimeVal>(nameof(TimeVal.Microseconds)));

        TimeVal value = TimeVal.From(TimeSpan.FromMilliseconds(2500));
        Assert.Equal(2, value.Seconds);
        Assert.Equal(500_000, value.Microseconds);

        // Zero would mean "block forever": the smallest timeout is one microsecond.
        TimeVal tiny = TimeVal.From(TimeSpan.FromTicks(1));
        Assert.Equal(0, tiny.Seconds);
        Assert.Equal(1, tiny.Microseconds);
    }

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
