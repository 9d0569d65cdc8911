namespace LiveUpdate.Benchmarks.Vm.Libvirt;

/// <summary>How a bench domain keeps its guest RAM across a save and a restore.</summary>
internal enum DomainKind
{
    /// <summary>Ordinary RAM: <c>virsh save FILE</c> writes it into the image, <c>virsh restore FILE</c> reads it back.</summary>
    Plain,

    /// <summary>
    /// Marked <c>&lt;lu:persistent/&gt;</c>, run by liveupdate-emulator: RAM in the region (<c>/vm/UUID/memory</c>),
    /// <c>x-ignore-shared</c> on, so <c>virsh managedsave</c> writes only the device state and <c>virsh start</c> loads it.
    /// </summary>
    Persistent,
}
