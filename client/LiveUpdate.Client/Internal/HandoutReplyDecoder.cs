using System.Text;
using LiveUpdate.Protocol;

namespace LiveUpdate.Client.Internal;

/// <summary>
/// Reads the fd socket's answer to a token (files.proto, OpenResponse): one message of a status byte and either one
/// descriptor (status 0x00, SCM_RIGHTS) or an error text. Pure functions over the received bytes: they never close a
/// descriptor; the caller owns every descriptor the kernel delivered and closes all but the one it keeps.
/// </summary>
internal static class HandoutReplyDecoder
{
    /// <summary>
    /// Collects the descriptors of every SCM_RIGHTS control message in <paramref name="control"/> (the msg_controllen
    /// bytes recvmsg filled) into <paramref name="descriptors"/>, up to its length. Returns how many it found in all,
    /// which may exceed the room. Malformed headers end the walk; this never throws.
    /// </summary>
    internal static int CollectDescriptors(ReadOnlySpan<byte> control, Span<int> descriptors) =>
        Interop.Libc.CmsgHdr.CollectDescriptors(control, descriptors);

    /// <summary>The error of a connection that ended without an answer: the daemon went away, so the whole Open is worth retrying.</summary>
    internal static LiveUpdateException ClosedWithoutAnswer(string socketPath) => new(
        LiveUpdateError.Unavailable, $"descriptor hand-out from {socketPath} failed: the daemon closed the connection without answering");

    /// <summary>
    /// Checks one received message: <paramref name="data"/> as received, <paramref name="flags"/> from msg_flags, and
    /// <paramref name="descriptorCount"/> descriptors collected from its control data. Returns normally only for a
    /// well-formed success (status 0x00, exactly one descriptor, nothing else); otherwise throws the
    /// <see cref="LiveUpdateException"/> that says what was wrong. The caller then keeps descriptor 0 or closes all.
    /// </summary>
    internal static void Check(ReadOnlySpan<byte> data, int flags, int descriptorCount, string socketPath)
    {
        if ((flags & Interop.Libc.MSG_CTRUNC) != 0)
        {
            throw Violation(socketPath, "the control data was truncated (the daemon sent more than one descriptor)");
        }

        if ((flags & Interop.Libc.MSG_TRUNC) != 0)
        {
            throw Violation(socketPath, $"the answer was longer than {FdHandoutClient.DataBufferSize} bytes");
        }

        if (data.IsEmpty)
        {
            // End of file: the daemon went away (or closed the connection) before answering. Its tokens die with it,
            // so the whole Open is worth retrying.
            throw ClosedWithoutAnswer(socketPath);
        }

        var status = (HandoutStatus)data[0];
        if (status != HandoutStatus.Ok)
        {
            string text = DecodeText(data[1..]);
            throw new LiveUpdateException(
                LiveUpdateError.HandoutFailed,
                $"descriptor hand-out from {socketPath} failed: {StatusName(status)} (0x{(byte)status:x2}): {text}")
            {
                HandoutStatus = status,
                ServerMessage = text,
            };
        }

        if (data.Length != 1)
        {
            throw Violation(socketPath, $"a success answer of {data.Length} bytes (the protocol's is one byte)");
        }

        if (descriptorCount != 1)
        {
            throw Violation(socketPath, $"a success answer with {descriptorCount} descriptors (the protocol's has exactly one)");
        }
    }

    /// <summary>The error text as UTF-8, invalid sequences replaced, control characters shown as '?'.</summary>
    internal static string DecodeText(ReadOnlySpan<byte> bytes)
    {
        string text = Encoding.UTF8.GetString(bytes);
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                char c = source[i];
                span[i] = char.IsControl(c) ? '?' : c;
            }
        });
    }

    /// <summary>The status as named in files.proto.</summary>
    internal static string StatusName(HandoutStatus status) => status switch
    {
        HandoutStatus.Ok => "ok",
        HandoutStatus.UnknownToken => "unknown or used token",
        HandoutStatus.Expired => "expired token",
        HandoutStatus.PeerUidMismatch => "peer uid mismatch",
        HandoutStatus.MalformedRequest => "malformed request",
        HandoutStatus.OpenFailed => "open failed",
        _ => "unknown status",
    };

    private static LiveUpdateException Violation(string socketPath, string what) =>
        new(LiveUpdateError.ProtocolViolation, $"descriptor hand-out from {socketPath} broke the protocol: {what}");
}
