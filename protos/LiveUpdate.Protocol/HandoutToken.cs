namespace LiveUpdate.Protocol;

/// <summary>
/// The one-time token that Files.Open returns (OpenResponse.token) and the client sends back, alone in one message, on
/// the descriptor socket to receive the descriptor (files.proto, OpenResponse; docs/design.md §6).
/// </summary>
public static class HandoutToken
{
    /// <summary>The token's length in bytes: 128 random bits.</summary>
    public const int Size = 16;
}
