namespace LiveUpdate.Qemu;

/// <summary>Bad usage (exit 2): the message is one line, printed after the tool's name.</summary>
public sealed class UsageException(string message) : Exception(message);
