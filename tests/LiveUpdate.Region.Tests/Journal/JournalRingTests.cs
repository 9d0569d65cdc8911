using LiveUpdate.Region.Checking;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Tests.Engine;
using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Journal;

/// <summary>The journal ring wrapping many times, with and without a crash after the wraps.</summary>
public sealed class JournalRingTests
{
    private const int Operations = 20_000;
    private const int Window = 100;

    [Fact]
    public void ManyCommits_WrapTheRingSeveralTimes_AndReattachChecksClean()
    {
        using var temp = new TempRegion();
        temp.Format().Dispose();

        var faults = new FaultAt(FaultPoint.Applied, int.MaxValue); // counts, never fires
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        using (var region = temp.Attach(new RegionOptions { FaultInjector = faults }))
        {
            var superblockWritesAtAttach = faults.HitsOf(FaultPoint.SuperblockWritten);
            for (var i = 0; i < Operations; i++)
            {
                Apply(region, expected, i);
            }

            // Nothing but wrapping moves the checkpoint (no extent blocks are freed), so each superblock write is one wrap.
            var wraps = faults.HitsOf(FaultPoint.SuperblockWritten) - superblockWritesAtAttach;
            Assert.True(wraps >= 5, $"the ring wrapped {wraps} times");
            Assert.Equal(2L * Operations - Window, region.GetStatistics().TransactionsSinceAttach);
            AssertHealthy(region);
        }

        using var again = temp.Attach();
        Assert.Equal(0, again.AttachReport.JournalTransactionsReplayed);
        Assert.Equal(expected.Select(name => "/" + name), again.ListAllFiles().Select(f => f.Path));
        AssertHealthy(again);
    }

    [Fact]
    public void CrashAfterSeveralWraps_ReplaysTheTailAndLosesNothingAcknowledged()
    {
        using var temp = new TempRegion();
        temp.Format().Dispose();

        // Every operation below is exactly one commit; the crash comes as the 35,001st is applied.
        const int crashAt = 35_001;
        var faults = new FaultAt(FaultPoint.Applied, crashAt);
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        var region1 = temp.Attach(new RegionOptions { FaultInjector = faults });
        var commits = 0;
        var i = 0;
        try
        {
            for (; i < Operations; i++)
            {
                commits += Apply(region1, expected, i);
            }
        }
        catch (SimulatedCrashException)
        {
            // The crashing operation was applied before the fault: it is expected to be there after the crash.
            commits++;
            ApplyToModel(expected, i);
        }

        Assert.True(faults.Fired);
        Assert.Equal(crashAt, commits);
        var checkpoint = SuperblockReader.Read(region1.Device, []).Record;
        Assert.True(checkpoint.CheckpointSequence > 1, "the ring never wrapped");
        Crash(region1);

        using var region2 = temp.Attach();
        var replayed = region2.AttachReport.JournalTransactionsReplayed;
        Assert.InRange(replayed, 1, (int)(RegionLayout.JournalSize / (JournalRecord.HeaderSize + JournalRecord.TrailerSize + JournalRecord.EntrySize(InodeRecord.TotalSize))));
        Assert.Equal(crashAt - (long)(checkpoint.CheckpointSequence - 1), replayed);
        Assert.Equal(expected.Select(name => "/" + name), region2.ListAllFiles().Select(f => f.Path));
        AssertHealthy(region2);
    }

    /// <summary>Operation <paramref name="i"/>: create f{i}, then remove the file <see cref="Window"/> older. Returns the commits made.</summary>
    private static int Apply(PersistentRegion region, SortedSet<string> expected, int i)
    {
        region.CreateFile($"/f{i}", 0, FileKind.Blob);
        expected.Add($"f{i}");
        if (i < Window)
        {
            return 1;
        }

        region.Remove($"/f{i - Window}");
        expected.Remove($"f{i - Window}");
        return 2;
    }

    /// <summary>The model side of the half-done operation <paramref name="i"/> that crashed (on its create or its remove).</summary>
    private static void ApplyToModel(SortedSet<string> expected, int i)
    {
        if (!expected.Add($"f{i}") && i >= Window)
        {
            expected.Remove($"f{i - Window}");
        }
    }
}
