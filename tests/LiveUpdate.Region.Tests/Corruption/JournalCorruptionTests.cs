using LiveUpdate.Region.Format;
using Xunit.Abstractions;

namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>
/// Damage to the journal of a region that died with two transactions after its checkpoint: the first committed
/// and applied (mkdir), the second committed and never applied (create). A clean attach replays both.
/// </summary>
[Collection(CorruptionCollection.Name)]
public sealed class JournalCorruptionTests(CorruptionImage image, ITestOutputHelper output)
{
    /// <summary>
    /// The last record: a damaged tail cannot be told from a commit torn by the crash, so dropping it is correct
    /// (its transaction was never acknowledged) as long as the region is then exactly as before that transaction.
    /// A record whose checksum holds but whose contents are impossible must be refused.
    /// </summary>
    [Fact]
    public void UnappliedTailRecord_AnyBitFlipOrOverwrite_IsDroppedAsTornOrRefused()
    {
        using var harness = Harness();
        var (offset, length) = image.UnappliedRecord;
        var record = new MetadataStructure("unapplied journal record", offset, length, "journal record",
            CorruptionOutcome.Refused | CorruptionOutcome.JournalTailDropped);
        var random = new Random(3);
        harness.RunAll(CorruptionCases.BitFlips(harness.Pristine, record, CorruptionCases.Every(length)));
        harness.RunAll(CorruptionCases.ByteOverwrites(harness.Pristine, record, CorruptionCases.Sampled(length, 5), random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, record, 8, random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, record, length, random));
        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    /// <summary>
    /// A damaged record followed by an intact committed one is not a torn tail: the crash came later. Stopping
    /// replay there silently loses the committed transactions after it, so attach must refuse.
    /// </summary>
    [Fact]
    public void RecordFollowedByACommittedRecord_AnyBitFlipOrOverwrite_IsRefused()
    {
        using var harness = Harness();
        var (offset, length) = image.AppliedRecord;
        var record = new MetadataStructure("journal record followed by another", offset, length, "journal record", CorruptionOutcome.Refused);
        var random = new Random(4);
        harness.RunAll(CorruptionCases.BitFlips(harness.Pristine, record, CorruptionCases.Every(length)));
        harness.RunAll(CorruptionCases.ByteOverwrites(harness.Pristine, record, CorruptionCases.Sampled(length, 5), random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, record, 8, random));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, record, length, random));
        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    /// <summary>Bytes after the last record are free ring space: damage there must change nothing.</summary>
    [Fact]
    public void RingSpaceAfterTheLastRecord_Damaged_ReplaysBothAndChangesNothing()
    {
        using var harness = Harness();
        var end = image.UnappliedRecord.Offset + image.UnappliedRecord.Length;
        var free = new MetadataStructure("free journal ring after the last record", end, 512, "journal", CorruptionOutcome.Ignored);
        harness.RunAll(CorruptionCases.BitFlips(harness.Pristine, free, CorruptionCases.Sampled(512, 3)));
        harness.RunAll(CorruptionCases.RunOverwrites(harness.Pristine, free, 32, new Random(5)));
        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    /// <summary>
    /// Corruption elsewhere in a region with transactions to replay: attach must refuse without writing, so the
    /// journal must not be replayed before the metadata is known to be sound.
    /// </summary>
    [Fact]
    public void PendingTransactionsAndACorruptInode_AttachRefusesAndWritesNothing()
    {
        using var harness = Harness();
        var offset = image.InodeOffset(image.DeviceStateInode);
        var inode = new MetadataStructure("device-state inode (journal pending)", offset, InodeRecord.TotalSize, $"inode {image.DeviceStateInode}", CorruptionOutcome.Refused);
        harness.RunAll(CorruptionCases.BitFlips(harness.Pristine, inode, CorruptionCases.Sampled(InodeRecord.TotalSize, 16)));
        Assert.NotEqual(0, harness.CaseCount);
        Assert.Empty(harness.Disallowed(output));
    }

    private CorruptionHarness Harness() =>
        new(image.CrashedPath, image.CrashedTreeReplayed, pending: 2, treeWithoutPending: image.CrashedTreeWithoutPending);
}
