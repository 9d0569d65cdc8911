namespace LiveUpdate.Qemu;

/// <summary>Bad usage (exit 2): the message is one line, printed after "liveupdate-qemu: ".</summary>
internal sealed class UsageException(string message) : Exception(message);
