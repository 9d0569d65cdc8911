namespace LiveUpdate.Qemu.Qmp;

/// <summary>
/// A QMP failure: QEMU answered a command with an error (<see cref="ErrorClass"/> set, e.g. GenericError), or the
/// monitor broke (closed, unreadable, a reply that is not QMP).
/// </summary>
public sealed class QmpException(string message, string? errorClass = null) : Exception(message)
{
    /// <summary>QEMU's error class for an error reply; null when the connection itself failed.</summary>
    public string? ErrorClass { get; } = errorClass;
}
