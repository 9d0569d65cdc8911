namespace LiveUpdate.Region.Dma;

/// <summary>
/// One 16-byte VT-d root or context entry as a table holds it: two little-endian 64-bit words.
/// For a root entry, <see cref="Low"/> holds the present bit and the context-table pointer and <see cref="High"/> is
/// reserved (legacy mode); for a context entry, <see cref="Low"/> holds present, translation type and the
/// second-level table pointer, and <see cref="High"/> the address width and the domain id.
/// </summary>
/// <param name="Low">Bits 63:0.</param>
/// <param name="High">Bits 127:64.</param>
public readonly record struct VtdEntry(ulong Low, ulong High);
