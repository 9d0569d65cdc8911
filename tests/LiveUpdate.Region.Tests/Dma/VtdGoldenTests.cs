using System.Buffers.Binary;
using LiveUpdate.Region.Dma;
using LiveUpdate.Region.Tests.Golden;

namespace LiveUpdate.Region.Tests.Dma;

/// <summary>
/// Byte-level golden values for the VT-d structures, each worked by hand from the specification's bit layout
/// (Intel VT-d specification, chapter 9: root entry 9.1, context entry 9.3, second-level paging entries 9.8).
/// </summary>
public sealed class VtdGoldenTests : IDisposable
{
    private readonly string _directory = Directory.CreateDirectory(Path.Combine("/dev/shm", $"lu-vtd-{Guid.NewGuid():N}")).FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void RootEntry_PresentBitAndContextTablePointer()
    {
        // Context table at 0x1_0024_8000: CTP = bits 63:12 = 0x1_0024_8000, P = bit 0 → 0x0000_0001_0024_8001.
        Assert.Equal(0x0000_0001_0024_8001UL, VtdFormat.RootEntry(0x1_0024_8000));
    }

    [Theory]
    // Low half: SLPTPTR (bits 63:12) = 0x1_0024_6000, TT (bits 3:2) = 00b, FPD (bit 1) = 0, P (bit 0) = 1.
    // High half: AW (bits 66:64, i.e. high bits 2:0) = 001b/010b/011b for 39/48/57 bits; DID (bits 87:72, i.e. high bits 23:8).
    [InlineData(39, (ushort)0x2a, 0x0000_0001_0024_6001UL, 0x0000_0000_0000_2a01UL)] // AW 1, DID 0x2a → 0x2a01
    [InlineData(48, (ushort)0x2a, 0x0000_0001_0024_6001UL, 0x0000_0000_0000_2a02UL)] // AW 2, DID 0x2a → 0x2a02
    [InlineData(57, (ushort)0xffff, 0x0000_0001_0024_6001UL, 0x0000_0000_00ff_ff03UL)] // AW 3, DID 0xffff → 0xffff03
    public void ContextEntry_TranslationTypeAddressWidthAndDomainId(int width, ushort domainId, ulong low, ulong high)
    {
        Assert.Equal(low, VtdFormat.ContextEntryLow(0x1_0024_6000));
        Assert.Equal(high, VtdFormat.ContextEntryHigh(width, domainId));
    }

    [Fact]
    public void SecondLevelEntries_PermissionsPageSizeAndAddress()
    {
        // A table pointer: ADDR (bits 51:12) = 0x1_0024_9000, R (bit 0) and W (bit 1) set, PS (bit 7) clear → 0x1_0024_9003.
        Assert.Equal(0x0000_0001_0024_9003UL, VtdFormat.TableEntry(0x1_0024_9000));
        // A 2 MiB leaf (level 2), read-write: ADDR 0x1_0040_0000 | PS 0x80 | W 0x2 | R 0x1 → 0x1_0040_0083.
        Assert.Equal(0x0000_0001_0040_0083UL, VtdFormat.LeafEntry(0x1_0040_0000, 2, readable: true, writable: true));
        // A 4 KiB leaf (level 1), read-only: ADDR 0x1_0060_1000 | R 0x1; bit 7 is not PS at level 1 → 0x1_0060_1001.
        Assert.Equal(0x0000_0001_0060_1001UL, VtdFormat.LeafEntry(0x1_0060_1000, 1, readable: true, writable: false));
        // A 1 GiB leaf (level 3), write-only: ADDR 0x1_4000_0000 | PS 0x80 | W 0x2 → 0x1_4000_0082.
        Assert.Equal(0x0000_0001_4000_0082UL, VtdFormat.LeafEntry(0x1_4000_0000, 3, readable: false, writable: true));
        // Bits above 51 never come from the address: 0xfff0_0000_0000_0000 is masked away.
        Assert.Equal(0x0000_0001_0040_0083UL, VtdFormat.LeafEntry(0xfff0_0001_0040_0000, 2, readable: true, writable: true));
    }

    [Fact]
    public void Indexes_NineBitsPerLevelAbove12()
    {
        // IOVA 0x80_4020_1000 = 1 << 39 | 1 << 30 | 1 << 21 | 1 << 12: index 1 at every level of a 4-level walk.
        Assert.Equal([1, 1, 1, 1], new[] { 4, 3, 2, 1 }.Select(level => VtdFormat.IndexOf(0x80_4020_1000, level)));
        Assert.Equal((3, 4, 5), (VtdFormat.LevelsFor(39), VtdFormat.LevelsFor(48), VtdFormat.LevelsFor(57)));
    }

    /// <summary>
    /// The kept format-2 image (Fixtures/golden, physical base 0x1_0000_0000): domain 3, 48-bit, device 0000:03:00.0,
    /// guest memory at region offset 0x40_0000 (physical 0x1_0040_0000); IOVA 0x1_0000_0000 → 2 MiB read-write at file
    /// offset 0, IOVA 0x2000_1000 → 4 KiB read-only at file offset 0x20_1000. Every entry on both walks, read raw.
    /// </summary>
    [Fact]
    public void KeptImage_EveryEntryOnBothWalks_IsTheHandWorkedValue()
    {
        var image = Path.Combine(_directory, "v2.img");
        GoldenImage.Decompress(Path.Combine(GoldenImage.FixtureDirectory, GoldenImage.ImageName(2)), image);
        var bytes = File.ReadAllBytes(image);
        ulong Word(long physical) => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan((int)(physical - 0x1_0000_0000)));

        // Root table at 0x1_0024_7000 (ListDomains' root_table_physical); bus 3's entry is 16 bytes at +0x30:
        // context table 0x1_0024_8000 | P → 0x1_0024_8001; high half reserved, zero. Bus 2's entry is absent.
        Assert.Equal(0x0000_0001_0024_8001UL, Word(0x1_0024_7000 + (3 * 16)));
        Assert.Equal(0UL, Word(0x1_0024_7000 + (3 * 16) + 8));
        Assert.Equal(0UL, Word(0x1_0024_7000 + (2 * 16)));
        // Context entry of devfn 00.0 (index 0): SLPTPTR 0x1_0024_6000 | P → 0x1_0024_6001; high: DID 3 << 8 | AW 010b → 0x302.
        Assert.Equal(0x0000_0001_0024_6001UL, Word(0x1_0024_8000));
        Assert.Equal(0x0000_0000_0000_0302UL, Word(0x1_0024_8000 + 8));
        // Devfn 00.1 (index 1) is not attached: both halves zero.
        Assert.Equal(0UL, Word(0x1_0024_8000 + 16) | Word(0x1_0024_8000 + 24));

        // Walk 1, IOVA 0x1_0000_0000: PML4 index bits 47:39 = 0, PDPT index bits 38:30 = 4, PD index bits 29:21 = 0.
        Assert.Equal(0x0000_0001_0024_9003UL, Word(0x1_0024_6000 + (0 * 8))); // PML4[0] → PDPT at 0x1_0024_9000, R|W
        Assert.Equal(0x0000_0001_0024_a003UL, Word(0x1_0024_9000 + (4 * 8))); // PDPT[4] → PD at 0x1_0024_a000, R|W
        Assert.Equal(0x0000_0001_0040_0083UL, Word(0x1_0024_a000 + (0 * 8))); // PD[0]: 2 MiB leaf 0x1_0040_0000 | PS | W | R

        // Walk 2, IOVA 0x2000_1000: PML4 index 0, PDPT index 0, PD index (0x2000_1000 >> 21) & 511 = 256, PT index 1.
        Assert.Equal(0x0000_0001_0024_c003UL, Word(0x1_0024_9000 + (0 * 8))); // PDPT[0] → PD at 0x1_0024_c000
        Assert.Equal(0x0000_0001_0024_d003UL, Word(0x1_0024_c000 + (256 * 8))); // PD[256] → PT at 0x1_0024_d000
        Assert.Equal(0x0000_0001_0060_1001UL, Word(0x1_0024_d000 + (1 * 8))); // PT[1]: 4 KiB leaf 0x1_0040_0000 + 0x20_1000 | R

        // Nothing else is present in those tables.
        Assert.Equal(1, CountPresent(bytes, 0x24_6000));
        Assert.Equal(2, CountPresent(bytes, 0x24_9000));
        Assert.Equal(1, CountPresent(bytes, 0x24_a000));
        Assert.Equal(1, CountPresent(bytes, 0x24_c000));
        Assert.Equal(1, CountPresent(bytes, 0x24_d000));
    }

    private static int CountPresent(byte[] bytes, int page)
    {
        var count = 0;
        for (var i = 0; i < 512; i++)
        {
            count += BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(page + (i * 8))) != 0 ? 1 : 0;
        }

        return count;
    }
}
