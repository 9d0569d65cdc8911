namespace LiveUpdate.Region;

/// <summary>Ownership and identity of a new file or directory.</summary>
public readonly record struct CreateFileOptions(Guid VmUuid = default, uint OwnerUid = 0, uint Mode = 0x180 /* 0600 */);
