using LiveUpdate.Region.Format;
using Xunit.Abstractions;

namespace LiveUpdate.Region.Tests.Corruption;

[Collection(CorruptionCollection.Name)]
public sealed class InodeCorruptionTests(CorruptionImage image, ITestOutputHelper output)
{
    private const int Record = InodeRecord.TotalSize;

    public static TheoryData<string> Targets() =>
    [
        "root", "reserved inode 0", "directory with children", "empty directory", "device-state file",
        "file with an overflow extent block", "file in the second chunk", "freed slot", "never-used slot",
    ];

    /// <summary>
    /// A bit flip in every byte of the 512-byte record, byte overwrites (0x00, 0xFF, random) at sampled positions,
    /// and each 32-byte run and the whole record overwritten (a zeroed record must not pass for a never-used slot).
    /// </summary>
    [Theory]
    [MemberData(nameof(Targets))]
    public void InodeSlot_AnyBitFlipOrOverwrite_AttachRefusesNamingTheInodeAndOffset(string target)
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        var number = InodeOf(target);
        var offset = image.InodeOffset(number);
        // The root's damage may be named "root inode" rather than "inode 1"; the offset pins it down either way.
        var name = number == RegionLayout.RootInode ? "inode" : $"inode {number}";
        var slot = new MetadataStructure($"{target} (inode {number} at 0x{offset:x})", offset, Record, name, CorruptionOutcome.Refused);
        var random = new Random((int)number);
        harness.RunAll(CorruptionCases.BitFlips(harness.Pristine, slot, CorruptionCases.Every(Record)));
        harness.RunAll(CorruptionCases.ByteOverwrites(harness.Pristine, slot, CorruptionCases.Sampled(Record, 8), random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, slot, 32, random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, slot, Record, random));
        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    private ulong InodeOf(string target) => target switch
    {
        "root" => RegionLayout.RootInode,
        "reserved inode 0" => 0,
        "directory with children" => image.VmDirectoryInode,
        "empty directory" => image.EmptyDirectoryInode,
        "device-state file" => image.DeviceStateInode,
        "file with an overflow extent block" => image.FragmentedInode,
        "file in the second chunk" => image.SecondChunkFileInode,
        "freed slot" => image.FreedInode,
        "never-used slot" => CorruptionImage.NeverUsedInode,
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };
}
