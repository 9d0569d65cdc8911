namespace LiveUpdate.Service.Lifecycle;

/// <summary>What an event on a VMM's RegisterVmm stream tells it (docs/design.md §7).</summary>
internal enum VmmEventKind
{
    /// <summary>The registration is in place (always the first event).</summary>
    Registered = 1,

    /// <summary>A freeze began: pause the VM, save its device state, ack.</summary>
    PrepareForUpdate = 2,

    /// <summary>The freeze or the sealed update was abandoned: resume the VM.</summary>
    Thawed = 3,

    /// <summary>The reconcile after a boot has ended: reclaim the VM's files.</summary>
    ReclaimReady = 4,

    /// <summary>A newer registration of the VM by its owner (or an administrator) replaced this one: the stream ends.</summary>
    Replaced = 5,
}
