using System.Buffers.Binary;
using LiveUpdate.Region.Format;
using Xunit.Abstractions;

namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>
/// Fuzzing behind the checksum: records whose contents are random or absurd but whose checksum is valid (what a
/// buggy writer would leave; no bit flip gets this far). Attach and Check must judge them by their invariants:
/// refuse, report or accept, never crash or hang, and never write to a region they refuse.
/// </summary>
[Collection(CorruptionCollection.Name)]
public sealed class ForgedRecordTests(CorruptionImage image, ITestOutputHelper output)
{
    private const CorruptionOutcome AnythingButACrash = CorruptionOutcome.Refused | CorruptionOutcome.RefusedUnsupported | CorruptionOutcome.Warned
        | CorruptionOutcome.CheckReported | CorruptionOutcome.JournalTailDropped | CorruptionOutcome.Ignored;

    [Fact]
    public void ForgedInodes_AreJudgedByTheirInvariants()
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        var random = new Random(11);
        ulong[] slots = [RegionLayout.RootInode, image.VmDirectoryInode, image.DeviceStateInode, image.FragmentedInode, image.FreedInode, CorruptionImage.NeverUsedInode];
        for (var i = 0; i < 600; i++)
        {
            var number = slots[i % slots.Length];
            var offset = image.InodeOffset(number);
            var record = InodeRecord.Read(harness.Pristine.AsSpan((int)offset, InodeRecord.TotalSize));
            record.Magic = InodeRecord.MagicValue;
            record.Number = number;
            var changed = new List<string>();
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                changed.Add(MutateInode(ref record, random));
            }

            var bytes = new byte[InodeRecord.TotalSize];
            record.WriteSealed(bytes);
            harness.Run(new CorruptionCase($"inode {number} forged: {string.Join(", ", changed)}", [new RegionPatch(offset, bytes)], $"inode {number}", $"0x{offset:x}", AnythingButACrash, Forged: true));
        }

        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    [Fact]
    public void ForgedExtentBlocks_AreJudgedByTheirInvariants()
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        var random = new Random(12);
        var offset = image.ExtentBlockOffset;
        for (var i = 0; i < 300; i++)
        {
            var bytes = harness.Pristine.AsSpan((int)offset, ExtentBlock.TotalSize).ToArray();
            var field = random.Next(6);
            long value = Interesting(random, offset);
            switch (field)
            {
                case 0: BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), (int)value); break;
                case 1: BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), value); break;
                case 2: BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), value); break;
                case 3: BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), value); break;
                case 4: BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(32), value); break;
                default: BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(ExtentBlock.ExtentsOffset + (random.Next(4) * 8)), value); break;
            }

            Checksum.Seal(bytes, Checksum.ExtentBlockSeed);
            harness.Run(new CorruptionCase($"extent block forged: field {field} := 0x{value:x}", [new RegionPatch(offset, bytes)], "extent block", $"0x{offset:x}", AnythingButACrash, Forged: true));
        }

        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    [Fact]
    public void ForgedChunkTablePages_AreJudgedByTheirInvariants()
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        var random = new Random(13);
        for (var i = 0; i < 200; i++)
        {
            var page = i % 3 == 0 ? 1 : 0;
            var offset = RegionLayout.ChunkTableOffset + ((long)page * ChunkTablePage.TotalSize);
            var entries = ChunkTablePage.Entries(harness.Pristine.AsSpan((int)offset, ChunkTablePage.TotalSize)).ToArray();
            var index = random.Next(4);
            entries[index] = random.Next(4) switch
            {
                0 => image.Chunks[random.Next(image.Chunks.Count)],
                1 => Interesting(random, image.Chunks[0]),
                2 => random.NextInt64(0, CorruptionImage.RegionSize / RegionLayout.SmallGranule) * RegionLayout.SmallGranule,
                _ => 0,
            };
            var bytes = new byte[ChunkTablePage.TotalSize];
            ChunkTablePage.Write(bytes, random.Next(8) == 0 ? (uint)random.Next(40) : (uint)page, entries);
            harness.Run(new CorruptionCase($"chunk table page {page} forged: entry {index} := 0x{entries[index]:x}", [new RegionPatch(offset, bytes)], "inode chunk table", $"0x{offset:x}", AnythingButACrash, Forged: true));
        }

        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    [Fact]
    public void ForgedSuperblocks_AreJudgedByTheirInvariants()
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        var random = new Random(14);
        for (var i = 0; i < 200; i++)
        {
            var both = random.Next(2) == 0;
            var what = "";
            var patches = new List<RegionPatch>();
            foreach (var slot in both ? new[] { 0, 1 } : [random.Next(2)])
            {
                var offset = (int)RegionLayout.SuperblockOffsets[slot];
                var record = SuperblockRecord.Read(harness.Pristine.AsSpan(offset, SuperblockRecord.TotalSize));
                var value = Interesting(random, RegionLayout.JournalOffset);
                switch (random.Next(7))
                {
                    case 6: record.FormattedAtUnixMs = value; what = $"formatted at {value}"; break;
                    case 0: record.CheckpointOffset = value; what = $"checkpoint 0x{value:x}"; break;
                    case 1: record.CheckpointSequence = (ulong)value; what = $"checkpoint sequence {value}"; break;
                    case 2: record.RegionUuid = Uuid.From(Guid.NewGuid()); what = "region uuid"; break;
                    case 3: record.LifecycleState = (uint)random.Next(6); what = $"state {record.LifecycleState}"; break;
                    case 4: record.Sequence = (ulong)value; what = $"sequence {value}"; break;
                    default: record.PhysicalBase = (ulong)value; what = $"physical base 0x{value:x}"; break;
                }

                var bytes = new byte[SuperblockRecord.TotalSize];
                record.WriteSealed(bytes);
                patches.Add(new RegionPatch(offset, bytes));
            }

            harness.Run(new CorruptionCase($"superblock forged ({(both ? "both" : "one")}): {what}", patches, "superblock", "0x", AnythingButACrash, Forged: true));
        }

        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    [Fact]
    public void ForgedJournalRecords_AreJudgedByTheirInvariants()
    {
        using var harness = new CorruptionHarness(image.CrashedPath, image.CrashedTreeReplayed, pending: 2, treeWithoutPending: image.CrashedTreeWithoutPending);
        var random = new Random(15);
        var (offset, length) = image.UnappliedRecord;
        for (var i = 0; i < 300; i++)
        {
            var bytes = harness.Pristine.AsSpan((int)offset, length).ToArray();
            var field = random.Next(4);
            var value = Interesting(random, image.InodeOffset(image.DeviceStateInode));
            switch (field)
            {
                case 0: BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), (int)value); break; // entry count
                case 1: BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(JournalRecord.HeaderSize), value); break; // target
                case 2: BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(JournalRecord.HeaderSize + 8), (int)value); break; // length
                default: bytes.AsSpan(JournalRecord.HeaderSize + JournalRecord.EntryHeaderSize + random.Next(length - 64), 8).Fill((byte)value); break; // data
            }

            Checksum.Seal(bytes, Checksum.JournalSeed);
            harness.Run(new CorruptionCase($"journal record forged: field {field} := 0x{value:x}", [new RegionPatch(offset, bytes)], "journal record", $"0x{offset:x}", AnythingButACrash, Forged: true));
        }

        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    private string MutateInode(ref InodeRecord record, Random random)
    {
        var value = Interesting(random, image.ExtentBlockOffset);
        switch (random.Next(12))
        {
            case 0: record.Kind = (byte)random.Next(8); return $"kind {record.Kind}";
            case 1: record.NameLength = (ushort)(random.Next(3) == 0 ? random.Next(300) : value); return $"name length {record.NameLength}";
            case 2: record.Generation = (ulong)value; return $"generation {value}";
            case 3: record.Parent = random.Next(2) == 0 ? (ulong)random.Next(12) : (ulong)value; return $"parent {record.Parent}";
            case 4: record.Size = value; return $"size {value}";
            case 5: record.AllocatedBytes = value; return $"allocated {value}";
            case 6: record.ExtentCount = (uint)(random.Next(2) == 0 ? random.Next(12) : value); return $"extent count {record.ExtentCount}";
            case 7: record.OverflowBlock = value; return $"overflow block 0x{value:x}";
            case 8:
            {
                Span<ExtentRecord> extents = record.Extents;
                var i = random.Next(extents.Length);
                extents[i] = random.Next(2) == 0 ? new ExtentRecord(value, extents[i].Length) : new ExtentRecord(extents[i].RegionOffset, value);
                return $"extent {i} := 0x{extents[i].RegionOffset:x}+0x{extents[i].Length:x}";
            }

            case 9:
            {
                Span<byte> name = record.Name;
                var i = random.Next(Math.Clamp((int)record.NameLength, 1, name.Length));
                name[i] = (byte)(random.Next(4) switch { 0 => '/', 1 => 0, 2 => '.', _ => random.Next(256) });
                return $"name byte {i} := 0x{name[i]:x2}";
            }

            case 10: record.Mode = (uint)value; record.OwnerUid = (uint)(value >> 8); return "mode and owner";
            default: record.CreatedUnixMs = value; record.ModifiedUnixMs = -value; return "times";
        }
    }

    /// <summary>A value a careless decoder would trip over: 0, -1, extremes, near a real offset, unaligned, past the region.</summary>
    private static long Interesting(Random random, long near) => random.Next(10) switch
    {
        0 => 0,
        1 => -1,
        2 => long.MaxValue,
        3 => long.MinValue,
        4 => near,
        5 => near + (random.Next(-4, 5) * RegionLayout.SmallGranule),
        6 => near + random.Next(1, 4096),
        7 => CorruptionImage.RegionSize + (random.Next(0, 4) * RegionLayout.SmallGranule),
        8 => random.Next(0, 600),
        _ => random.NextInt64(),
    };
}
