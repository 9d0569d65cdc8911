namespace LiveUpdate.Service.Lifecycle;

/// <summary>A VMM as a freeze's progress names it.</summary>
/// <param name="VmUuid">Its VM.</param>
/// <param name="Name">Its name.</param>
/// <param name="Connected">False when its stream dropped during the freeze (it then counts as not acked).</param>
internal sealed record VmmRef(Guid VmUuid, string Name, bool Connected);
