namespace LiveUpdate.Libvirt.Libvirt;

/// <summary>What the agent asks of libvirt; <see cref="LibvirtDomains"/> is the real one, tests may stand in for it.</summary>
internal interface IDomainControl : IDisposable
{
    /// <summary>Every domain, active and inactive. Throws <see cref="LibvirtException"/>.</summary>
    IReadOnlyList<DomainSnapshot> List();

    /// <summary>The domain <paramref name="uuid"/> now, or null when it is not defined (any more).</summary>
    DomainSnapshot? Find(Guid uuid);

    /// <summary>virDomainManagedSave: saves and stops the running domain (blocks until done).</summary>
    void ManagedSave(Guid uuid);

    /// <summary>virDomainCreate: starts the domain, from its managed save when it has one (blocks until running).</summary>
    void Start(Guid uuid);
}
