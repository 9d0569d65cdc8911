namespace LiveUpdate.Cli.Planning;

/// <summary>What <c>luctl qemu-args</c> prints: the backends of one guest-memory file and the options that make them guest RAM.</summary>
/// <param name="Path">The file in the region.</param>
/// <param name="MemPath">What QEMU opens: the region's device or file, or <c>/proc/self/fd/N</c>.</param>
/// <param name="SizeBytes">The file's size: the guest's RAM (<c>-m</c>).</param>
/// <param name="Backends">One backend per extent, in file order.</param>
/// <param name="Arguments">The QEMU arguments, one array element per argv word: <c>-object</c>, its value, …</param>
internal sealed record QemuPlan(string Path, string MemPath, ulong SizeBytes, IReadOnlyList<QemuBackend> Backends, IReadOnlyList<string> Arguments);
