namespace LiveUpdate.Client;

/// <summary>The status byte that starts the fd socket's answer to a token (files.proto, OpenResponse).</summary>
public enum HandoutStatus : byte
{
    /// <summary>0x00: success; the message carries the descriptor.</summary>
    Ok = 0x00,

    /// <summary>0x01: the token is unknown or was already used.</summary>
    UnknownToken = 0x01,

    /// <summary>0x02: the token expired (tokens are valid for 30 seconds).</summary>
    Expired = 0x02,

    /// <summary>0x03: the connecting peer's uid is not the uid that called Open.</summary>
    PeerUidMismatch = 0x03,

    /// <summary>0x04: the request message was malformed.</summary>
    MalformedRequest = 0x04,

    /// <summary>0x05: the daemon could not open the descriptor.</summary>
    OpenFailed = 0x05,
}
