namespace LiveUpdate.Service.Inventory;

/// <summary>The hypervisor's view of its virtual machines, which reconcile compares the region's files with.</summary>
internal interface IVmInventory : IDisposable
{
    /// <summary>Where the inventory comes from, for logs and reports (a libvirt URI).</summary>
    string Source { get; }

    /// <summary>Every domain, active and inactive, sorted by name. Throws <see cref="LibvirtException"/> when it cannot be read.</summary>
    IReadOnlyList<DomainRecord> ListDomains(CancellationToken cancellationToken);
}
