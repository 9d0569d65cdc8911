namespace LiveUpdate.Service.Limits;

/// <summary>
/// Set on a connection past a limit that the daemon lets speak HTTP/2 just long enough to hear why (every call on it
/// answers RESOURCE_EXHAUSTED with <see cref="Reason"/>, then the connection is closed): only
/// <see cref="ConnectionLimits.MaxExplained"/> at once and for <see cref="ConnectionLimits.ExplainFor"/> at most; past
/// that a refused connection is closed at accept without a word, so a flood still costs a socket for an instant.
/// </summary>
internal sealed record ConnectionRefusal(string Reason);
