namespace LiveUpdate.Service.Inventory;

/// <summary>
/// One domain of the hypervisor's inventory as reconcile needs it: files belong to it by <paramref name="Uuid"/>.
/// </summary>
/// <param name="Uuid">The domain's UUID (files carry it as vm_uuid).</param>
/// <param name="Name">The domain's name.</param>
/// <param name="State">Its run state when it was listed.</param>
/// <param name="Persistent">libvirt's persistent flag: the domain is defined, not transient.</param>
/// <param name="MarkedForLiveUpdate">
/// The domain's XML carries the normative <c>&lt;metadata&gt;&lt;lu:persistent xmlns:lu="urn:liveupdate:v1"/&gt;&lt;/metadata&gt;</c>:
/// its memory is kept across a live update, so missing files are reported.
/// </param>
/// <param name="Xml">The domain's XML description (live for a running domain), for reports and diagnostics.</param>
internal sealed record DomainRecord(Guid Uuid, string Name, DomainRunState State, bool Persistent, bool MarkedForLiveUpdate, string Xml)
{
    /// <summary>Shut off with a managed save (libvirt's start restores it): the state liveupdate-libvirt leaves its domains in across an update.</summary>
    public bool HasManagedSave { get; init; }
}
