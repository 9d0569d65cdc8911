using System.Buffers.Binary;
using LiveUpdate.Region.Checking;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Tests.Engine;
using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Journal;

/// <summary>
/// The redo journal across simulated crashes. A crash is an <see cref="FaultAt"/> throwing at a fault point,
/// followed by releasing the device without disposing the region (dispose would checkpoint), then attaching
/// again from a fresh device, as a restarted daemon would.
/// </summary>
public sealed class JournalRecoveryTests
{
    [Fact]
    public void Committed_ThenDetached_IsVisibleAfterReattach()
    {
        using var temp = new TempRegion();
        RegionSnapshot expected;
        using (var region = temp.Format())
        {
            region.MakeDirectory("/vm");
            region.CreateFile("/vm/state", 12345, FileKind.DeviceState, new CreateFileOptions(Guid.NewGuid(), 1000));
            expected = RegionSnapshot.Take(region);
        }

        using var again = temp.Attach();
        Assert.Equal(0, again.AttachReport.JournalTransactionsReplayed);
        var actual = RegionSnapshot.Take(again);
        Assert.Equal(expected.Tree, actual.Tree);
        Assert.Equal(expected.Files, actual.Files);
        AssertHealthy(again);
    }

    [Fact]
    public void CrashAfterRecordWritten_BeforeApply_IsReplayedAtAttach()
    {
        using var temp = new TempRegion();
        using (var region = temp.Format())
        {
            region.MakeDirectory("/d");
        }

        var region1 = temp.Attach(new RegionOptions { FaultInjector = new FaultAt(FaultPoint.JournalWritten) });
        Assert.Throws<SimulatedCrashException>(() => region1.CreateFile("/d/a", 5000, FileKind.Blob));
        Crash(region1);

        // Before replay the record is only in the journal: its home slot is not written.
        using (var device = temp.OpenDevice())
        {
            var detached = PersistentRegion.CheckDetached(device);
            Assert.True(detached.Clean, string.Join("; ", detached.Problems));
            Assert.Equal(2, detached.Inodes);
            Assert.Contains(detached.Notes, n => n.StartsWith("1 committed journal transactions await replay", StringComparison.Ordinal));
        }

        using var region2 = temp.Attach();
        Assert.Equal(1, region2.AttachReport.JournalTransactionsReplayed);
        var file = region2.Stat("/d/a");
        Assert.Equal(5000, file.Size);
        Assert.Equal(FileKind.Blob, file.Kind);
        AssertHealthy(region2);
    }

    [Fact]
    public void CrashAfterTheNthApply_ReplaysEachTransactionSinceTheCheckpointExactlyOnce()
    {
        using var temp = new TempRegion();
        temp.Format().Dispose();

        var region1 = temp.Attach(new RegionOptions { FaultInjector = new FaultAt(FaultPoint.Applied, 5) });
        region1.MakeDirectory("/d");
        region1.CreateFile("/d/a", 4096, FileKind.Blob);
        region1.CreateFile("/d/b", 2 * MiB, FileKind.GuestMemory);
        region1.Resize("/d/a", 10000);
        Assert.Throws<SimulatedCrashException>(() => region1.Rename("/d/b", "/b"));
        Crash(region1);

        RegionSnapshot afterReplay;
        using (var region2 = temp.Attach())
        {
            Assert.Equal(5, region2.AttachReport.JournalTransactionsReplayed);
            Assert.Equal(["/b", "/d/a"], region2.ListAllFiles().Select(f => f.Path));
            Assert.Equal(10000, region2.Stat("/d/a").Size);
            Assert.Equal(2, region2.Stat("/d/a").Generation); // created, resized once: replay did not bump it again
            AssertHealthy(region2);
            afterReplay = RegionSnapshot.Take(region2);
        }

        using var region3 = temp.Attach();
        Assert.Equal(0, region3.AttachReport.JournalTransactionsReplayed);
        var again = RegionSnapshot.Take(region3);
        Assert.Equal(afterReplay.Tree, again.Tree);
        Assert.Equal(afterReplay.Files, again.Files);
        AssertHealthy(region3);
    }

    [Fact]
    public void TornCommit_IsDiscarded_AndTheSlotIsReusedByTheNextCommit()
    {
        using var temp = new TempRegion();
        temp.Format().Dispose();

        var region1 = temp.Attach(new RegionOptions { FaultInjector = new FaultAt(FaultPoint.JournalTorn, 3) });
        region1.CreateFile("/a", 100, FileKind.Blob);
        region1.CreateFile("/b", 100, FileKind.Blob);
        Assert.Throws<SimulatedCrashException>(() => region1.CreateFile("/c", 100, FileKind.Blob));
        Crash(region1);

        using (var region2 = temp.Attach())
        {
            Assert.Equal(2, region2.AttachReport.JournalTransactionsReplayed);
            Assert.Equal(["/a", "/b"], region2.ListAllFiles().Select(f => f.Path));
            AssertHealthy(region2);
            region2.CreateFile("/c", 200, FileKind.Blob);
        }

        using var region3 = temp.Attach();
        Assert.Equal(["/a", "/b", "/c"], region3.ListAllFiles().Select(f => f.Path));
        Assert.Equal(200, region3.Stat("/c").Size);
        AssertHealthy(region3);
    }

    [Theory]
    [InlineData("trailer")]
    [InlineData("payload")]
    [InlineData("sequence")]
    [InlineData("nonce")]
    [InlineData("length")]
    public void DamagedUnappliedRecord_IsDiscarded(string where)
    {
        using var temp = new TempRegion();
        temp.Format().Dispose();

        var region1 = temp.Attach(new RegionOptions { FaultInjector = new FaultAt(FaultPoint.JournalWritten) });
        Assert.Throws<SimulatedCrashException>(() => region1.CreateFile("/a", 100, FileKind.Blob));
        var position = SuperblockReader.Read(region1.Device, []).Record.CheckpointOffset;
        var record = region1.Device.Span(position, JournalRecord.ReadHeader(region1.Device.Span(position, JournalRecord.HeaderSize)).TotalLength);
        Assert.True(Checksum.Verify(record, Checksum.JournalSeed));
        switch (where)
        {
            case "trailer":
                record[^1] ^= 0x01;
                break;
            case "payload":
                record[JournalRecord.HeaderSize + JournalRecord.EntryHeaderSize + 200] ^= 0x80;
                break;
            case "sequence":
                BinaryPrimitives.WriteUInt64LittleEndian(record[8..], BinaryPrimitives.ReadUInt64LittleEndian(record[8..]) + 1);
                break;
            case "nonce":
                record[16] ^= 0x04;
                break;
            case "length":
                BinaryPrimitives.WriteInt32LittleEndian(record[24..], BinaryPrimitives.ReadInt32LittleEndian(record[24..]) - 8);
                break;
        }

        Crash(region1);

        using var region2 = temp.Attach();
        Assert.Equal(0, region2.AttachReport.JournalTransactionsReplayed);
        Assert.Empty(region2.ListAllFiles());
        AssertHealthy(region2);
    }

    [Fact]
    public void DamagedRecordFollowedByACommittedOne_IsCorruption_AndAttachWritesNothing()
    {
        using var temp = new TempRegion();
        temp.Format().Dispose();

        var region1 = temp.Attach(new RegionOptions { FaultInjector = new FaultAt(FaultPoint.JournalWritten, 3) });
        region1.CreateFile("/a", 100, FileKind.Blob);
        region1.CreateFile("/b", 100, FileKind.Blob);
        Assert.Throws<SimulatedCrashException>(() => region1.CreateFile("/c", 100, FileKind.Blob));

        // Records a, b (both applied) and c (written, not applied) follow the checkpoint. A crash tears only the
        // last record, so a bad record b followed by a good c is damage: replaying a and stopping would drop c.
        var first = SuperblockReader.Read(region1.Device, []).Record.CheckpointOffset;
        var second = first + JournalRecord.ReadHeader(region1.Device.Span(first, JournalRecord.HeaderSize)).TotalLength;
        var secondLength = JournalRecord.ReadHeader(region1.Device.Span(second, JournalRecord.HeaderSize)).TotalLength;
        region1.Device.Span(second + secondLength - JournalRecord.TrailerSize, 1)[0] ^= 0xFF;
        Crash(region1);
        var before = File.ReadAllBytes(temp.Path);

        var ex = Assert.Throws<RegionException>(() => temp.Attach().Dispose());

        Assert.Equal(RegionError.Corrupt, ex.Error);
        Assert.Contains("journal record", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"0x{second:x}", ex.Message, StringComparison.Ordinal);
        Assert.True(before.AsSpan().SequenceEqual(File.ReadAllBytes(temp.Path)), "a refused attach wrote to the region");
    }

    [Fact]
    public void CrashHalfwayThroughApplyingAMultiEntryTransaction_IsCompletedByReplay()
    {
        using var temp = new TempRegion(64 * MiB);
        using (var region = temp.Format())
        {
            // Fill the large pool with single granules, then free every other one of the first 14: a 12 MiB
            // file then needs 6 extents, one more than an inode holds, so its commit writes an extent block too.
            var count = (int)(region.GetStatistics().LargeFreeBytes / Granule);
            for (var i = 0; i < count; i++)
            {
                region.CreateFile($"/g{i}", Granule, FileKind.GuestMemory);
            }

            for (var i = 0; i < 14; i += 2)
            {
                region.Remove($"/g{i}");
            }
        }

        var faults = new FaultAt(FaultPoint.ApplyPartial);
        var region1 = temp.Attach(new RegionOptions { FaultInjector = faults });
        Assert.Throws<SimulatedCrashException>(() => region1.CreateFile("/big", 6 * Granule, FileKind.GuestMemory));
        Crash(region1);

        using var region2 = temp.Attach();
        Assert.Equal(1, region2.AttachReport.JournalTransactionsReplayed);
        var big = region2.Stat("/big");
        Assert.Equal(6, big.Extents.Count);
        Assert.Equal(6 * Granule, big.AllocatedBytes);
        AssertHealthy(region2);
    }
}
