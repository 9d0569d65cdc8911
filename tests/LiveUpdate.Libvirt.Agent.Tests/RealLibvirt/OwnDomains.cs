using LiveUpdate.Libvirt.Libvirt;

namespace LiveUpdate.Libvirt.Agent.Tests.RealLibvirt;

/// <summary>
/// The real libvirt connection, listing only this test's domains (names starting "agent-"): the libvirtd is shared
/// with other tests, whose marked domains the agent must not take on here.
/// </summary>
internal sealed class OwnDomains(LibvirtDomains libvirt) : IDomainControl
{
    public IReadOnlyList<DomainSnapshot> List() => libvirt.List().Where(d => d.Name.StartsWith("agent-", StringComparison.Ordinal)).ToList();

    public DomainSnapshot? Find(Guid uuid) => libvirt.Find(uuid);

    public void ManagedSave(Guid uuid) => libvirt.ManagedSave(uuid);

    public void Start(Guid uuid) => libvirt.Start(uuid);

    public void Dispose() => libvirt.Dispose();
}
