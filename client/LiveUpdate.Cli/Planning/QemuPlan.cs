namespace LiveUpdate.Cli.Planning;

/// <summary>What <c>luctl qemu-args</c> prints: the one memory backend of a guest-memory file and the options that make it guest RAM.</summary>
/// <param name="Path">The file in the region.</param>
/// <param name="MemPath">What QEMU opens: the region's device or file, or the file's own device (namespaces backend).</param>
/// <param name="SizeBytes">The file's size: the guest's RAM (<c>-m</c>).</param>
/// <param name="RegionOffset">Where the file's one extent starts in <paramref name="MemPath"/>: the backend's <c>offset=</c> (0, and no <c>offset=</c>, for a file's own device).</param>
/// <param name="Object">The <c>-object</c> value: <c>memory-backend-file,id=lu-ram0,mem-path=…,offset=…,size=…,share=on,align=2M</c>.</param>
/// <param name="Arguments">The QEMU arguments, one array element per argv word: <c>-object</c>, its value, …</param>
internal sealed record QemuPlan(string Path, string MemPath, ulong SizeBytes, ulong RegionOffset, string Object, IReadOnlyList<string> Arguments);
