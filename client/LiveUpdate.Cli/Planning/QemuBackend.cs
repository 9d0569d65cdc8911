namespace LiveUpdate.Cli.Planning;

/// <summary>One QEMU memory backend: one extent of a guest-memory file.</summary>
/// <param name="Id">The backend's QEMU object id (<c>lu-ram0</c>, …).</param>
/// <param name="FileOffset">Where the extent starts in the file (and so in the guest's RAM).</param>
/// <param name="RegionOffset">Where it starts in the region: the backend's <c>offset=</c>.</param>
/// <param name="Length">Its length: the backend's <c>size=</c>.</param>
/// <param name="Object">The <c>-object</c> value: <c>memory-backend-file,id=…,mem-path=…,offset=…,size=…,share=on,align=2M</c>.</param>
internal sealed record QemuBackend(string Id, ulong FileOffset, ulong RegionOffset, ulong Length, string Object);
