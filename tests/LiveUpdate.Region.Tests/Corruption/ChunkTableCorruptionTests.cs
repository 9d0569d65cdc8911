using LiveUpdate.Region.Format;
using Xunit.Abstractions;

namespace LiveUpdate.Region.Tests.Corruption;

[Collection(CorruptionCollection.Name)]
public sealed class ChunkTableCorruptionTests(CorruptionImage image, ITestOutputHelper output)
{
    private const int Page = ChunkTablePage.TotalSize;

    /// <summary>Page 0 names both chunks; page 5 and the last page name none but are sealed all the same.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(RegionLayout.ChunkTablePages - 1)]
    public void ChunkTablePage_SampledBitFlipsAndOverwrites_AttachRefusesNamingThePage(int page)
    {
        using var harness = new CorruptionHarness(image.CleanPath, image.CleanTree);
        var offset = RegionLayout.ChunkTableOffset + ((long)page * Page);
        var structure = new MetadataStructure($"chunk table page {page}", offset, Page, $"inode chunk table page {page}", CorruptionOutcome.Refused);
        var random = new Random(page);
        harness.RunAll(CorruptionCases.BitFlips(harness.Pristine, structure, CorruptionCases.Sampled(Page, 7)));
        harness.RunAll(CorruptionCases.ByteOverwrites(harness.Pristine, structure, CorruptionCases.Sampled(Page, 61), random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, structure, 128, random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, structure, Page, random));
        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }
}
