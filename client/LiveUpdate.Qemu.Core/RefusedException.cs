namespace LiveUpdate.Qemu;

/// <summary>A refusal before QEMU starts: one line that names the file concerned (liveupdate-qemu exits 3, liveupdate-emulator 1).</summary>
public sealed class RefusedException(string message) : Exception(message);
