using System.Runtime.InteropServices;
using static Interop.Libc;

namespace LiveUpdate.Client.Tests.Native;

/// <summary>The native structs of the shared layer (service/Common/Interop) match the LP64 Linux ABI (x86_64 and arm64), field by field.</summary>
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

    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
