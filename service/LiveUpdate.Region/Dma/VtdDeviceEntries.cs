namespace LiveUpdate.Region.Dma;

/// <summary>A device's VT-d root and context entries and the physical addresses of the tables that hold them (<see cref="DmaRecord.ReadDeviceEntries"/>).</summary>
/// <param name="RootTablePhysical">Physical address of the root table.</param>
/// <param name="Root">The device's bus's root entry.</param>
/// <param name="ContextTablePhysical">Physical address of the bus's context table (from the root entry).</param>
/// <param name="Context">The device's context entry.</param>
public readonly record struct VtdDeviceEntries(ulong RootTablePhysical, VtdEntry Root, ulong ContextTablePhysical, VtdEntry Context);
