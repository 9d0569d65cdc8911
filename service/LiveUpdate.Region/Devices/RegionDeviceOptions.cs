namespace LiveUpdate.Region.Devices;

/// <summary>How to open a region device.</summary>
public sealed record RegionDeviceOptions
{
    /// <summary>For the file backend: create a sparse file of <see cref="CreateSize"/> bytes when none exists.</summary>
    public bool CreateIfMissing { get; init; }

    /// <summary>Size of a file created because of <see cref="CreateIfMissing"/>; a multiple of 2 MiB.</summary>
    public long CreateSize { get; init; } = 1L << 30;

    /// <summary>For the file backend: the simulated physical base address (2 MiB aligned) reported for IOMMU tables.</summary>
    public ulong SimulatedPhysicalBase { get; init; } = 0x1_0000_0000;

    /// <summary>Root of sysfs, replaceable so that tests can point the devdax backend at fixture folders.</summary>
    public string SysfsRoot { get; init; } = "/sys";

    /// <summary>Take an exclusive advisory lock (flock) so that a second process cannot attach the same region.</summary>
    public bool Lock { get; init; } = true;
}
