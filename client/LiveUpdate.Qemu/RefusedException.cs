namespace LiveUpdate.Qemu;

/// <summary>A refusal before QEMU starts (exit 3): one line that names the file concerned.</summary>
internal sealed class RefusedException(string message) : Exception(message);
