namespace LiveUpdate.Protocol;

/// <summary>
/// The status byte that starts every answer on the descriptor socket (<see cref="SocketDirectory.FdSocketName"/>): the
/// hand-out protocol of files.proto (OpenResponse) and docs/design.md §6. The values are on the wire: never renumber.
/// </summary>
public enum HandoutStatus : byte
{
    /// <summary>0x00: success; the message carries the descriptor in an SCM_RIGHTS control message.</summary>
    Ok = 0x00,

    /// <summary>0x01: the token is unknown, or was already presented.</summary>
    UnknownToken = 0x01,

    /// <summary>0x02: the token expired (tokens are valid for 30 seconds).</summary>
    Expired = 0x02,

    /// <summary>0x03: the connecting peer's uid is not the uid that called Open.</summary>
    PeerUidMismatch = 0x03,

    /// <summary>0x04: the request is not one message of <see cref="HandoutToken.Size"/> bytes (or it carried descriptors).</summary>
    MalformedRequest = 0x04,

    /// <summary>0x05: the daemon could not open the descriptor.</summary>
    OpenFailed = 0x05,
}
