namespace LiveUpdate.Region.Dma;

/// <summary>
/// The bit layout of Intel VT-d translation structures (VT-d specification, chapter 9, legacy mode): the root
/// table, context tables and second-level paging entries. Everything here is pure encoding; tests compare it
/// with values worked by hand from the specification.
/// </summary>
public static class VtdFormat
{
    /// <summary>Bytes of a table page: every VT-d structure here is one 4 KiB page.</summary>
    public const int PageSize = 4096;

    /// <summary>Entries of a root or context table (16 bytes each).</summary>
    public const int TableEntries = 256;

    /// <summary>Entries of a second-level paging structure (8 bytes each).</summary>
    public const int PagingEntries = 512;

    /// <summary>Present bit of a root or context entry (bit 0).</summary>
    public const ulong Present = 1;

    /// <summary>Read permission of a second-level entry (bit 0).</summary>
    public const ulong Read = 1;

    /// <summary>Write permission of a second-level entry (bit 1).</summary>
    public const ulong Write = 2;

    /// <summary>Page-size bit of a second-level entry (bit 7): the entry maps a 2 MiB or 1 GiB page.</summary>
    public const ulong PageSizeBit = 1UL << 7;

    /// <summary>Bits 12–51: the physical address of the next table or of the page.</summary>
    public const ulong AddressMask = 0x000F_FFFF_FFFF_F000;

    /// <summary>Bits 12–63 of a root entry's low half (context-table pointer) or a context entry's low half (SLPTPTR).</summary>
    public const ulong PointerMask = 0xFFFF_FFFF_FFFF_F000;

    /// <summary>Paging levels for an address width: 39 → 3, 48 → 4, 57 → 5; 0 for an unsupported width.</summary>
    public static int LevelsFor(int addressWidth) => addressWidth switch
    {
        39 => 3,
        48 => 4,
        57 => 5,
        _ => 0,
    };

    /// <summary>The context entry's AW field for an address width: 39 → 001b, 48 → 010b, 57 → 011b.</summary>
    public static ulong AddressWidthField(int addressWidth) => (ulong)(LevelsFor(addressWidth) - 2);

    /// <summary>Bit position of the IOVA bits a level indexes: level 1 (4 KiB pages) 12, level 2 21, level 3 30, …</summary>
    public static int ShiftOf(int level) => 12 + (9 * (level - 1));

    /// <summary>Bytes one entry of <paramref name="level"/> covers.</summary>
    public static ulong CoverageOf(int level) => 1UL << ShiftOf(level);

    /// <summary>Index of <paramref name="iova"/> in a table of <paramref name="level"/>.</summary>
    public static int IndexOf(ulong iova, int level) => (int)((iova >> ShiftOf(level)) & (PagingEntries - 1));

    /// <summary>Root entry (low 64 bits; the high 64 bits are reserved, zero): present, context-table pointer.</summary>
    public static ulong RootEntry(ulong contextTablePhysical) => (contextTablePhysical & PointerMask) | Present;

    /// <summary>
    /// Context entry, low 64 bits: present (bit 0), fault processing enabled (FPD, bit 1, clear), translation type
    /// 00b (bits 3:2: untranslated requests go through second-level tables), SLPTPTR (bits 63:12).
    /// </summary>
    public static ulong ContextEntryLow(ulong secondLevelTablePhysical) => (secondLevelTablePhysical & PointerMask) | Present;

    /// <summary>Context entry, high 64 bits: AW (bits 66:64) and the domain id (bits 87:72).</summary>
    public static ulong ContextEntryHigh(int addressWidth, ushort domainId) => AddressWidthField(addressWidth) | ((ulong)domainId << 8);

    /// <summary>A second-level entry that points to the next-level table: read and write, so the leaf alone decides.</summary>
    public static ulong TableEntry(ulong tablePhysical) => (tablePhysical & AddressMask) | Read | Write;

    /// <summary>A leaf at <paramref name="level"/>: 1 = 4 KiB page, 2 = 2 MiB page (PS set), 3 = 1 GiB page (PS set).</summary>
    public static ulong LeafEntry(ulong pagePhysical, int level, bool readable, bool writable) =>
        (pagePhysical & AddressMask) | (readable ? Read : 0) | (writable ? Write : 0) | (level > 1 ? PageSizeBit : 0);

    /// <summary>True when a second-level entry is present (R or W set; VT-d has no separate present bit here).</summary>
    public static bool IsPresent(ulong entry) => (entry & (Read | Write)) != 0;

    /// <summary>True when a present entry at <paramref name="level"/> maps a page rather than pointing to a table.</summary>
    public static bool IsLeaf(ulong entry, int level) => level == 1 || (entry & PageSizeBit) != 0;
}
