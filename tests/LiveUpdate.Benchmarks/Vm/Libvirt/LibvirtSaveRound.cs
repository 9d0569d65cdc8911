namespace LiveUpdate.Benchmarks.Vm.Libvirt;

/// <summary>One round of saves and restores of N domains of one kind, all at once.</summary>
/// <param name="Kind">Plain RAM or kept in the region.</param>
/// <param name="SaveAllMs">From the first save command's start to the last one's end.</param>
/// <param name="RestoreAllMs">From the first restore command's start to the last one's end.</param>
/// <param name="Domains">Each domain's figures.</param>
internal sealed record LibvirtSaveRound(DomainKind Kind, double SaveAllMs, double RestoreAllMs, IReadOnlyList<DomainSaveRestore> Domains);
