using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LiveUpdate.Region.Format;
using Xunit.Abstractions;

namespace LiveUpdate.Region.Tests.Corruption;

[Collection(CorruptionCollection.Name)]
public sealed class SuperblockCorruptionTests(CorruptionImage image, ITestOutputHelper output)
{
    private const int Record = SuperblockRecord.TotalSize;

    /// <summary>Every field of the record, from the struct itself, plus the reserved tail.</summary>
    public static TheoryData<string> FieldNames() => [.. Fields().Select(f => f.Field)];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void OneCopy_AnyBitFlipOrOverwrite_AttachWarnsAndUsesTheOtherCopy(int slot)
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        var copy = Copy(slot, CorruptionOutcome.Warned);
        var random = new Random(100 + slot);
        harness.RunAll(CorruptionCases.BitFlips(harness.Pristine, copy, CorruptionCases.Every(Record)));
        harness.RunAll(CorruptionCases.ByteOverwrites(harness.Pristine, copy, CorruptionCases.Sampled(Record, 8), random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, copy, 32, random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, copy, Record, random));
        harness.RunAll(CorruptionCases.FieldOverwrites(harness.Pristine, copy, Fields(), random));
        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    [Fact]
    public void BothCopies_AnyBitFlip_AttachRefusesNamingTheSuperblock()
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        var both = Both(CorruptionOutcome.Refused);
        harness.RunAll(CorruptionCases.BitFlips(harness.Pristine, both.Allowing(CorruptionOutcome.Refused | CorruptionOutcome.RefusedUnsupported), Enumerable.Range(0, 8)));
        harness.RunAll(CorruptionCases.BitFlips(harness.Pristine, both, Enumerable.Range(8, Record - 8)));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, both.Allowing(CorruptionOutcome.Refused | CorruptionOutcome.RefusedUnsupported), Record, new Random(7)));
        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
        Assert.Contains(harness.Results, r => r.Outcome == CorruptionOutcome.RefusedUnsupported); // a region without magic reads as "not a region"
    }

    [Theory]
    [MemberData(nameof(FieldNames))]
    public void Field_OverwrittenInOneOrBothCopies_IsWarnedOrRefused(string field)
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        var fields = Fields();
        var random = new Random(fields.FindIndex(f => f.Field == field));
        var range = fields.Where(f => f.Field == field).ToArray();
        var bothAllowed = field == nameof(SuperblockRecord.Magic) ? CorruptionOutcome.Refused | CorruptionOutcome.RefusedUnsupported : CorruptionOutcome.Refused;
        harness.RunAll(CorruptionCases.FieldOverwrites(harness.Pristine, Copy(0, CorruptionOutcome.Warned), range, random));
        harness.RunAll(CorruptionCases.FieldOverwrites(harness.Pristine, Copy(1, CorruptionOutcome.Warned), range, random));
        harness.RunAll(CorruptionCases.FieldOverwrites(harness.Pristine, Both(bothAllowed), range, random));
        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    /// <summary>
    /// Checksum-valid records with impossible contents (a re-sealed record, as a buggy or foreign writer would leave):
    /// the semantic validation must refuse them, in both copies, and warn about them in one.
    /// </summary>
    [Fact]
    public void ResealedRecordWithImpossibleValues_IsWarnedInOneCopyAndRefusedInBoth()
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        var size = CorruptionImage.RegionSize;
        var mutations = new (string What, SuperblockRecordMutation Mutate)[]
        {
            ("format version 0", (ref SuperblockRecord sb) => sb.FormatVersion = 0),
            ("region size doubled", (ref SuperblockRecord sb) => sb.RegionSize = size * 2),
            ("region size halved", (ref SuperblockRecord sb) => sb.RegionSize = size / 2),
            ("small granule 8 KiB", (ref SuperblockRecord sb) => sb.SmallGranule = 8192),
            ("large granule 1 GiB", (ref SuperblockRecord sb) => sb.LargeGranule = 1u << 30),
            ("inode size 256", (ref SuperblockRecord sb) => sb.InodeSize = 256),
            ("inode chunk 128 KiB", (ref SuperblockRecord sb) => sb.InodeChunkSize = 128 * 1024),
            ("lifecycle state 99", (ref SuperblockRecord sb) => sb.LifecycleState = 99),
            ("journal offset moved", (ref SuperblockRecord sb) => sb.JournalOffset = 0x30000),
            ("journal size grown", (ref SuperblockRecord sb) => sb.JournalSize = RegionLayout.JournalSize * 2),
            ("checkpoint before the journal", (ref SuperblockRecord sb) => sb.CheckpointOffset = RegionLayout.JournalOffset - 8),
            ("checkpoint past the journal", (ref SuperblockRecord sb) => sb.CheckpointOffset = RegionLayout.HeaderSize + 8),
            ("checkpoint misaligned", (ref SuperblockRecord sb) => sb.CheckpointOffset += 4),
            ("chunk table moved", (ref SuperblockRecord sb) => sb.ChunkTableOffset = 0x3000),
            ("chunk table pages 64", (ref SuperblockRecord sb) => sb.ChunkTablePages = 64),
            ("header size 4 MiB", (ref SuperblockRecord sb) => sb.HeaderSize = 4L << 20),
            ("physical base misaligned", (ref SuperblockRecord sb) => sb.PhysicalBase += 0x1000),
        };
        foreach (var (what, mutate) in mutations)
        {
            for (var slot = 0; slot < 2; slot++)
            {
                harness.Run(Resealed($"superblock copy {(slot == 0 ? 'A' : 'B')} re-sealed with {what}", harness.Pristine, [slot], mutate,
                    $"superblock copy {(slot == 0 ? 'A' : 'B')}", $"0x{RegionLayout.SuperblockOffsets[slot]:x}", CorruptionOutcome.Warned));
            }

            harness.Run(Resealed($"both copies re-sealed with {what}", harness.Pristine, [0, 1], mutate, "superblock", "0x1000", CorruptionOutcome.Refused));
        }

        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    [Fact]
    public void BothCopiesZeroed_ProbeDoesNotCallThePopulatedRegionEmpty()
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        harness.Device.Span(0, 2 * RegionLayout.SuperblockSlotSize).Clear();
        var content = RegionProbe.Inspect(harness.Device);

        // The daemon formats a region the probe calls Empty: that would destroy every VM's memory.
        Assert.Equal(RegionContent.CorruptRegion, content);
        var ex = Assert.Throws<RegionException>(() => PersistentRegion.Attach(harness.Device).Dispose());
        Assert.Equal(RegionError.UnsupportedFormat, ex.Error);
        harness.Pristine.AsSpan(0, 2 * RegionLayout.SuperblockSlotSize).CopyTo(harness.Device.Span(0, 2 * RegionLayout.SuperblockSlotSize));
    }

    internal delegate void SuperblockRecordMutation(ref SuperblockRecord record);

    private static CorruptionCase Resealed(string description, byte[] pristine, int[] slots, SuperblockRecordMutation mutate, string structure, string offsetText, CorruptionOutcome allowed)
    {
        var patches = new List<RegionPatch>();
        foreach (var slot in slots)
        {
            var offset = (int)RegionLayout.SuperblockOffsets[slot];
            var record = SuperblockRecord.Read(pristine.AsSpan(offset, Record));
            mutate(ref record);
            var bytes = new byte[Record];
            record.WriteSealed(bytes);
            patches.Add(new RegionPatch(offset, bytes));
        }

        return new CorruptionCase(description, patches, structure, offsetText, allowed);
    }

    private static MetadataStructure Copy(int slot, CorruptionOutcome allowed) =>
        new($"superblock copy {(slot == 0 ? 'A' : 'B')}", RegionLayout.SuperblockOffsets[slot], Record, $"superblock copy {(slot == 0 ? 'A' : 'B')}", allowed);

    private static MetadataStructure Both(CorruptionOutcome allowed) =>
        new("both superblock copies", [RegionLayout.SuperblockOffsets[0], RegionLayout.SuperblockOffsets[1]], Record, "superblock", "0x1000", allowed);

    private static int SizeOf(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    private static List<(string Field, int Start, int Length)> Fields()
    {
        var fields = typeof(SuperblockRecord).GetFields().Where(f => !f.IsStatic && !f.IsLiteral)
            .Select(f => (f.Name, Start: (int)Marshal.OffsetOf<SuperblockRecord>(f.Name), Length: SizeOf(f.FieldType)))
            .OrderBy(f => f.Start).ToList();
        var end = fields.Where(f => f.Name != nameof(SuperblockRecord.Checksum)).Max(f => f.Start + f.Length);
        fields.Add(("Reserved", end, (int)Marshal.OffsetOf<SuperblockRecord>(nameof(SuperblockRecord.Checksum)) - end));
        return fields;
    }
}
