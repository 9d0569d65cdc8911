namespace LiveUpdate.Region;

/// <summary>Ownership and identity of a new file or directory.</summary>
/// <param name="VmUuid">The VM the file belongs to, or <see cref="Guid.Empty"/>.</param>
/// <param name="OwnerUid">Owner uid.</param>
/// <param name="Mode">Permission bits; null gives 0600 for files and 0755 for directories.</param>
public readonly record struct CreateFileOptions(Guid VmUuid = default, uint OwnerUid = 0, uint? Mode = null)
{
    /// <summary>Mode of a file created without one.</summary>
    public const uint DefaultFileMode = 0x180; // 0600

    /// <summary>Mode of a directory created without one.</summary>
    public const uint DefaultDirectoryMode = 0x1ED; // 0755
}
