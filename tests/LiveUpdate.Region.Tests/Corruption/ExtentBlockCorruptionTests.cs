using LiveUpdate.Region.Format;
using Xunit.Abstractions;

namespace LiveUpdate.Region.Tests.Corruption;

[Collection(CorruptionCollection.Name)]
public sealed class ExtentBlockCorruptionTests(CorruptionImage image, ITestOutputHelper output)
{
    private const int Block = ExtentBlock.TotalSize;

    [Fact]
    public void ExtentBlock_SampledBitFlipsAndOverwrites_AttachRefusesNamingTheBlockAndItsInode()
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        var offset = image.ExtentBlockOffset;
        var structure = new MetadataStructure($"extent block of inode {image.FragmentedInode}", [offset], Block,
            $"extent block 0 at 0x{offset:x}", $"inode {image.FragmentedInode}", CorruptionOutcome.Refused);
        var random = new Random(42);
        harness.RunAll(CorruptionCases.BitFlips(harness.Pristine, structure, CorruptionCases.Sampled(Block, 5)));
        harness.RunAll(CorruptionCases.ByteOverwrites(harness.Pristine, structure, CorruptionCases.Sampled(Block, 37), random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, structure, 64, random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, structure, Block, random));
        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }
}
