namespace LiveUpdate.Protocol.Tests;

/// <summary>
/// The descriptor socket's wire values against files.proto (OpenResponse), the normative text VMMs in any language build
/// on: a change on either side breaks every peer that is not built from this assembly (the Python peer of the daemon's
/// tests among them).
/// </summary>
public sealed class HandoutWireTests
{
    private static readonly string s_filesProto = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "files.proto"));

    [Theory]
    [InlineData(HandoutStatus.Ok, 0x00, "1 byte 0x00, with one descriptor")]
    [InlineData(HandoutStatus.UnknownToken, 0x01, "0x01 unknown or used token")]
    [InlineData(HandoutStatus.Expired, 0x02, "0x02 expired")]
    [InlineData(HandoutStatus.PeerUidMismatch, 0x03, "0x03 peer uid mismatch")]
    [InlineData(HandoutStatus.MalformedRequest, 0x04, "0x04 malformed request")]
    [InlineData(HandoutStatus.OpenFailed, 0x05, "0x05 open failed")]
    public void HandoutStatus_IsTheByteFilesProtoNames(HandoutStatus status, byte wire, string protoText)
    {
        Assert.Equal(wire, (byte)status);
        Assert.Contains(protoText, s_filesProto, StringComparison.Ordinal);
    }

    [Fact]
    public void HandoutStatus_IsOneByteWithNoOtherValue()
    {
        Assert.Equal(typeof(byte), Enum.GetUnderlyingType(typeof(HandoutStatus)));
        Assert.Equal(6, Enum.GetValues<HandoutStatus>().Length);
    }

    [Fact]
    public void HandoutToken_SizeIsTheTokenLengthFilesProtoNames()
    {
        Assert.Contains($"`token`: {HandoutToken.Size} random bytes", s_filesProto, StringComparison.Ordinal);
        Assert.Contains($"sends the {HandoutToken.Size} token bytes", s_filesProto, StringComparison.Ordinal);
    }
}
