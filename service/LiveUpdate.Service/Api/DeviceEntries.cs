using System.Buffers.Binary;
using LiveUpdate.Region;
using LiveUpdate.Region.Dma;

namespace LiveUpdate.Service.Api;

/// <summary>
/// A device's VT-d root and context entries as the tables hold them, read back from the region after AttachDevice so
/// that the answer shows what an IOMMU (or an outside checker) would read, not what the daemon meant to write. The walk
/// is the hardware's: root table indexed by bus, the root entry's context-table pointer, the context table indexed by
/// devfn; each entry is 16 bytes, two little-endian 64-bit words. The engine exposes the tables' physical addresses but
/// not their words, so the daemon reads them through <see cref="PersistentRegion.Device"/>.
/// </summary>
/// <param name="RootTable">Physical address of the root table.</param>
/// <param name="RootLow">The bus's root entry, low word (present bit, context-table pointer).</param>
/// <param name="RootHigh">The bus's root entry, high word (reserved in legacy mode).</param>
/// <param name="ContextTable">Physical address of the bus's context table (from the root entry).</param>
/// <param name="ContextLow">The device's context entry, low word (present, translation type, second-level pointer).</param>
/// <param name="ContextHigh">The device's context entry, high word (address width, domain id).</param>
internal readonly record struct DeviceEntries(ulong RootTable, ulong RootLow, ulong RootHigh, ulong ContextTable, ulong ContextLow, ulong ContextHigh)
{
    private const int EntryWords = 2;

    /// <summary>Reads <paramref name="device"/>'s entries, walking from the root table at <paramref name="rootTable"/>.</summary>
    /// <exception cref="RegionException"><see cref="RegionError.Corrupt"/> when a pointer leads outside the region.</exception>
    public static DeviceEntries Read(PersistentRegion region, PciAddress device, ulong rootTable)
    {
        var physicalBase = region.Info.PhysicalBase;
        var rootLow = Word(region, physicalBase, rootTable, EntryWords * device.Bus, "root table");
        var rootHigh = Word(region, physicalBase, rootTable, (EntryWords * device.Bus) + 1, "root table");
        var contextTable = rootLow & VtdFormat.PointerMask;
        var contextLow = Word(region, physicalBase, contextTable, EntryWords * device.DevFn, $"context table of bus {device.Bus:x2}");
        var contextHigh = Word(region, physicalBase, contextTable, (EntryWords * device.DevFn) + 1, $"context table of bus {device.Bus:x2}");
        return new DeviceEntries(rootTable, rootLow, rootHigh, contextTable, contextLow, contextHigh);
    }

    private static ulong Word(PersistentRegion region, ulong physicalBase, ulong table, int index, string what)
    {
        var size = (ulong)region.Device.Size;
        if (table < physicalBase || table - physicalBase > size - VtdFormat.PageSize || table % VtdFormat.PageSize != 0)
        {
            throw new RegionException(RegionError.Corrupt, $"the {what} is at physical 0x{table:x}, not a page of the region (physical base 0x{physicalBase:x})");
        }

        var offset = (long)(table - physicalBase) + (index * sizeof(ulong));
        return BinaryPrimitives.ReadUInt64LittleEndian(region.Device.Span(offset, sizeof(ulong)));
    }
}
