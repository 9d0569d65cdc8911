namespace LiveUpdate.Region.Devices;

/// <summary>Where a region's bytes live.</summary>
public enum RegionBackend
{
    /// <summary>A sparse file, normally on tmpfs: survives daemon restarts, not reboots.</summary>
    File = 1,
    /// <summary>A device-DAX character device over reserved RAM: survives kexec.</summary>
    DevDax = 2,
    /// <summary>
    /// A label-capable nd region (reserved RAM bound to ramdax): the metadata is one devdax namespace, each guest-memory
    /// file a devdax namespace of its own (<see cref="Namespaces.INamespaceDirectory"/>); survives kexec.
    /// </summary>
    Namespaces = 3,
}
