namespace LiveUpdate.Service.Handout;

/// <summary>The status byte that starts every answer on the descriptor socket (normative: see OpenResponse in files.proto).</summary>
internal enum HandoutStatus : byte
{
    /// <summary>Success: the message carries the descriptor in an SCM_RIGHTS control message.</summary>
    Ok = 0x00,
    /// <summary>The token is unknown, or was already presented.</summary>
    UnknownToken = 0x01,
    /// <summary>The token's 30 seconds are over.</summary>
    Expired = 0x02,
    /// <summary>The connecting peer's uid is not the uid that called Open.</summary>
    UidMismatch = 0x03,
    /// <summary>The request is not one 16-byte message (or it carried descriptors).</summary>
    Malformed = 0x04,
    /// <summary>The daemon could not open the region device.</summary>
    OpenFailed = 0x05,
}
