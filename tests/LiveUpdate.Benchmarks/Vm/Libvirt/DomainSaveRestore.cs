namespace LiveUpdate.Benchmarks.Vm.Libvirt;

/// <summary>One domain's save and restore in a round, in milliseconds unless named otherwise.</summary>
/// <param name="StartMs">The fresh start's <c>virsh start</c> wall time (no save): what the kind costs before any save.</param>
/// <param name="SaveMs">The save command's wall time (for a persistent domain, the managed-save record written first included).</param>
/// <param name="RestoreMs">The restore command's wall time; the domain is running when it returns.</param>
/// <param name="ImageBytes">The size of the image the save wrote.</param>
/// <param name="RestoreToTickMs">From the restore command's start to the guest's next TICK (same boot, count continuing).</param>
internal sealed record DomainSaveRestore(double StartMs, double SaveMs, double RestoreMs, long ImageBytes, double RestoreToTickMs);
