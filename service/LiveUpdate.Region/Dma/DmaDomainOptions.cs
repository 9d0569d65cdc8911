namespace LiveUpdate.Region.Dma;

/// <summary>Ownership and identity of a new IOMMU domain.</summary>
/// <param name="OwnerUid">Who may change it (besides administrators).</param>
/// <param name="VmUuid">The VM whose devices will use it, or <see cref="Guid.Empty"/>.</param>
public readonly record struct DmaDomainOptions(uint OwnerUid = 0, Guid VmUuid = default);
