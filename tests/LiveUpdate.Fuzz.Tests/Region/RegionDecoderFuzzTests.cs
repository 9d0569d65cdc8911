using LiveUpdate.Region.Format;
using LiveUpdate.Region.Tests.Corruption;
using Xunit.Abstractions;

namespace LiveUpdate.Fuzz.Tests.Region;

/// <summary>
/// One fuzz target per decoder of region metadata: superblock, inode record, journal record, extent block, and the
/// IOMMU structures' domain page and mapping block. Each input is the valid, sealed record of a populated region
/// (tests/LiveUpdate.Region.Tests' corruption image, or <see cref="DmaImage"/>) damaged by
/// <see cref="ByteMutator"/>, stored in a working copy on a real file device, then checked offline and attached
/// (<see cref="RegionFuzzLane"/>): no exception but the documented refusal, no hang, and a refused input or a check
/// without repair changes no byte of the file. The seed and count are fixed (<see cref="FuzzBudget"/>).
/// </summary>
public sealed class RegionDecoderFuzzTests(CorruptionImage image, DmaImage dma, ITestOutputHelper output)
    : IClassFixture<CorruptionImage>, IClassFixture<DmaImage>
{
    private const int CiInputs = 600;

    [Fact]
    public void Superblock_DamagedCopies_AreRefusedOrReportedAndRefusalChangesNothing()
    {
        long[] copies = [.. RegionLayout.SuperblockOffsets];
        Fuzz("superblock", image.CleanPath, random =>
        {
            // One copy or the other, or both damaged the same way (then nothing intact is left to fall back on).
            var which = random.Next(3);
            long[] offsets = which == 2 ? [copies[0], copies[1]] : [copies[which]];
            return (offsets, SuperblockRecord.TotalSize, Checksum.SuperblockSeed);
        });
    }

    [Fact]
    public void InodeRecord_DamagedSlots_AreRefusedOrReportedAndRefusalChangesNothing()
    {
        ulong[] inodes =
        [
            image.VmDirectoryInode, image.EmptyDirectoryInode, image.DeviceStateInode, image.SecondChunkFileInode,
            image.FragmentedInode, image.FreedInode, CorruptionImage.NeverUsedInode,
        ];
        Fuzz("inode record", image.CleanPath, random =>
            ([image.InodeOffset(inodes[random.Next(inodes.Length)])], InodeRecord.TotalSize, Checksum.InodeSeed));
    }

    [Fact]
    public void JournalRecord_DamagedPendingRecords_AreRefusedOrDroppedAndRefusalChangesNothing()
    {
        (long Offset, int Length)[] records = [image.AppliedRecord, image.UnappliedRecord];
        Fuzz("journal record", image.CrashedPath, random =>
        {
            var (offset, length) = records[random.Next(records.Length)];
            return ([offset], length, Checksum.JournalSeed);
        });
    }

    [Fact]
    public void ExtentBlock_DamagedOverflowBlock_IsRefusedOrReportedAndRefusalChangesNothing()
    {
        Fuzz("extent block", image.CleanPath, _ => ([image.ExtentBlockOffset], ExtentBlock.TotalSize, Checksum.ExtentBlockSeed));
    }

    [Fact]
    public void DmaDomainPage_Damaged_IsRefusedOrReportedAndRefusalChangesNothing()
    {
        Fuzz("dma domain page", dma.ImagePath, _ => ([dma.DomainPage], RegionLayout.SmallGranule, Checksum.DmaDomainSeed));
    }

    [Fact]
    public void DmaMappingBlock_Damaged_IsRefusedOrReportedAndRefusalChangesNothing()
    {
        Fuzz("dma mapping block", dma.ImagePath, _ => ([dma.MappingBlock], RegionLayout.SmallGranule, Checksum.DmaMappingSeed));
    }

    /// <summary>Runs the target's inputs: <paramref name="pick"/> chooses where (one or more offsets damaged alike), how long the record is, and its checksum seed.</summary>
    private void Fuzz(string target, string imagePath, Func<Random, (long[] Offsets, int Length, ulong Seed)> pick)
    {
        var random = new Random(FuzzBudget.Seed(target));
        var mutator = new ByteMutator(random);
        var tally = new FuzzTally(target);
        var pristine = File.ReadAllBytes(imagePath);
        using (var lane = new RegionFuzzLane(imagePath))
        {
            for (var i = FuzzBudget.Iterations(CiInputs); i > 0 && !lane.Hung; i--)
            {
                var (offsets, length, seed) = pick(random);
                var damaged = mutator.Mutate(pristine.AsSpan((int)offsets[0], length), record => Checksum.Seal(record, seed));
                var result = lane.Run([.. offsets.Select(offset => (offset, damaged))]);
                tally.Add(result.Outcome, result.Failure,
                    () => $"{length} bytes at {string.Join(" and ", offsets.Select(o => $"0x{o:x}"))}: {mutator.LastDescription}");
            }
        }

        tally.AssertNoFailure(output);
    }
}
