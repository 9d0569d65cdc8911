namespace LiveUpdate.Region.Namespaces;

/// <summary>
/// The namespaces of the label-capable region a namespaces-backend region lives in (docs/design.md §3): the metadata
/// namespace the engine is mapped on, and one devdax namespace per guest-memory file, named
/// <see cref="NamespaceNames.ForFile"/>. The daemon supplies it (over the kernel's nd/dax drivers); the engine decides
/// when a namespace is made, owned or destroyed, and compares what it lists with the files.
/// </summary>
public interface INamespaceDirectory
{
    /// <summary>The region's path as the operator named it (e.g. <c>/sys/bus/nd/devices/region0</c>).</summary>
    string RegionPath { get; }

    /// <summary>Every namespace of the region with a name, as the kernel reports it now.</summary>
    IReadOnlyList<NamespaceInfo> List();

    /// <summary>
    /// Creates a devdax namespace called <paramref name="name"/> whose device holds at least <paramref name="minimumSize"/>
    /// bytes, zeroes the whole device (its new owner sees zeros, whatever an earlier namespace left there) and gives its
    /// node to <paramref name="ownerUid"/>, readable and writable by that owner only (0600). Throws
    /// <see cref="RegionException"/> and leaves no namespace behind when it fails.
    /// </summary>
    NamespaceInfo Create(string name, long minimumSize, uint ownerUid);

    /// <summary>Gives the namespace's device node to <paramref name="ownerUid"/>, mode 0600 (nodes come back root 0600 after every boot).</summary>
    void SetOwner(NamespaceInfo space, uint ownerUid);

    /// <summary>
    /// Scrubs (zeroes) the namespace's device and destroys the namespace. Throws <see cref="RegionException"/> when it
    /// cannot; the engine calls it only once no inode names the namespace, so a failure leaves an orphan that the next
    /// <see cref="PersistentRegion.RemoveOrphanNamespaces"/> removes.
    /// </summary>
    void Destroy(NamespaceInfo space);
}
