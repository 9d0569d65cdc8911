namespace LiveUpdate.Service.Errors;

/// <summary>
/// A domain component refused a request: <see cref="Error"/> says why in kind, the message says it to the user (it travels
/// as the status detail, so it is written for operators and names no secret).
/// </summary>
internal sealed class DaemonException(DaemonError error, string message) : Exception(message)
{
    /// <summary>The kind of refusal.</summary>
    public DaemonError Error { get; } = error;
}
