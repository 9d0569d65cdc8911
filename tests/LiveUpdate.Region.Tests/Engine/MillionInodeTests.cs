using System.Diagnostics;
using LiveUpdate.Region.Format;
using Xunit.Abstractions;
using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

/// <summary>docs/design.md §4: "at least 1,000,000 inodes". Times are written to the test output, never asserted.</summary>
public sealed class MillionInodeTests(ITestOutputHelper output)
{
    private const int Directories = 1_000;
    private const int FilesPerDirectory = 1_000;

    [Fact]
    public void OneMillionFiles_InAThousandDirectories_SurviveReattachAndCheckClean()
    {
        // 1,001,001 inodes of 512 bytes take 1,956 chunks of 256 KiB (489 MiB): a sparse 1 GiB region holds them.
        using var temp = new TempRegion(1L << 30);
        var total = Stopwatch.StartNew();
        var phase = Stopwatch.StartNew();
        RegionStatistics created;
        using (var region = temp.Format())
        {
            for (var d = 0; d < Directories; d++)
            {
                region.MakeDirectory($"/d{d}");
                for (var f = 0; f < FilesPerDirectory; f++)
                {
                    region.CreateFile($"/d{d}/f{f}", 0, FileKind.Blob);
                }
            }

            created = region.GetStatistics();
            output.WriteLine($"created {created.Files:N0} files in {phase.Elapsed.TotalSeconds:F1} s");
        }

        Assert.Equal((long)Directories * FilesPerDirectory, created.Files);
        Assert.Equal(Directories + 1, created.Directories);
        var chunks = ((Directories * (FilesPerDirectory + 1)) + 2 + RegionLayout.InodesPerChunk - 1) / RegionLayout.InodesPerChunk;
        Assert.Equal((long)chunks * RegionLayout.InodesPerChunk, created.InodeSlots);

        phase.Restart();
        using var again = temp.Attach();
        output.WriteLine($"attached in {phase.Elapsed.TotalSeconds:F1} s (attach report: {again.AttachReport.Duration.TotalSeconds:F1} s)");
        var statistics = again.GetStatistics();
        Assert.Equal((long)Directories * FilesPerDirectory, statistics.Files);
        Assert.Equal(Directories + 1, statistics.Directories);
        Assert.Equal(created with { TransactionsSinceAttach = 0 }, statistics);
        Assert.Equal(FilesPerDirectory, again.List("/d500").Count);
        Assert.Equal(0, again.Stat("/d999/f999").Size);

        phase.Restart();
        AssertHealthy(again);
        output.WriteLine($"checked in {phase.Elapsed.TotalSeconds:F1} s; whole test {total.Elapsed.TotalSeconds:F1} s");
    }
}
