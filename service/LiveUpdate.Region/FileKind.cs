namespace LiveUpdate.Region;

/// <summary>What an inode holds. The numeric values are stored in the region.</summary>
public enum FileKind : byte
{
    /// <summary>A directory.</summary>
    Directory = 1,
    /// <summary>A VM's RAM: 2 MiB granules, 2 MiB aligned in region and file.</summary>
    GuestMemory = 2,
    /// <summary>A VMM's serialized device state.</summary>
    DeviceState = 3,
    /// <summary>IOMMU page-table pages.</summary>
    IommuPageTable = 4,
    /// <summary>Any other small file.</summary>
    Blob = 5,
}
