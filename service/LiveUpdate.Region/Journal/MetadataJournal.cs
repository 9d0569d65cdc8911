using System.Buffers.Binary;
using System.IO.Hashing;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Journal;

/// <summary>
/// The metadata redo journal: how every mutation is made atomic against the process dying at any instant.
/// <para>
/// Why a journal and not shadow copies: a mutation touches a few small, scattered records (one inode, maybe
/// an extent block or a chunk-table page). Shadow-copying them would need a tree of pointers up to the
/// superblock; a redo log of their new images costs one sequential write plus the home writes, and replay
/// is idempotent.
/// </para>
/// <para>
/// Protocol: (1) the complete new images of the changed ranges are appended to a ring in the header area,
/// followed by a checksum over the whole record (the commit); (2) the images are copied home; (3) the next
/// sequence number is expected after it. Attach replays every record from the superblock's checkpoint whose
/// sequence, region nonce and checksum are right, and stops at the first that is not (a torn tail is thereby
/// discarded). The region is memory shared with the kernel (tmpfs pages or reserved RAM behind device DAX),
/// so a store is durable once executed: no fsync is involved, and a killed process loses only what it had
/// not yet stored.
/// </para>
/// <para>
/// Space reuse: a metadata block freed by a transaction must not be overwritten with file data while an
/// older record that writes it could still be replayed, so such transactions move the checkpoint to the
/// write position (<see cref="CheckpointHere"/>) before the block is reused. The ring wraps the same way.
/// </para>
/// </summary>
internal sealed unsafe class MetadataJournal
{
    private readonly RegionDevice _device;
    private readonly SuperblockStore _superblocks;
    private readonly IFaultInjector? _faults;
    private readonly long _start;
    private readonly long _end;
    private readonly ulong _nonce;
    private long _writePosition;
    private ulong _nextSequence;

    private MetadataJournal(RegionDevice device, SuperblockStore superblocks, IFaultInjector? faults, long writePosition, ulong nextSequence)
    {
        _device = device;
        _superblocks = superblocks;
        _faults = faults;
        ref readonly var sb = ref superblocks.Current;
        _start = sb.JournalOffset;
        _end = sb.JournalOffset + sb.JournalSize;
        _nonce = JournalRecord.NonceOf(sb.RegionUuid.ToGuid());
        _writePosition = writePosition;
        _nextSequence = nextSequence;
    }

    /// <summary>Transactions committed since the engine attached (for statistics).</summary>
    public long Committed { get; private set; }

    /// <summary>Sequence number the next transaction gets.</summary>
    public ulong NextSequence => _nextSequence;

    /// <summary>Largest transaction the ring accepts.</summary>
    public long Capacity => _end - _start;

    /// <summary>
    /// Finds the committed transactions after the checkpoint, replays them (unless <paramref name="readOnly"/>),
    /// and returns a journal positioned after them.
    /// </summary>
    public static MetadataJournal Recover(RegionDevice device, SuperblockStore superblocks, IFaultInjector? faults, bool readOnly, out int replayed)
    {
        ref readonly var sb = ref superblocks.Current;
        var start = sb.JournalOffset;
        var end = sb.JournalOffset + sb.JournalSize;
        var nonce = JournalRecord.NonceOf(sb.RegionUuid.ToGuid());
        var position = sb.CheckpointOffset;
        var sequence = sb.CheckpointSequence;
        var found = new List<(long Position, int Length)>();
        while (end - position >= JournalRecord.HeaderSize + JournalRecord.TrailerSize)
        {
            var header = JournalRecord.ReadHeader(device.Span(position, JournalRecord.HeaderSize));
            if (header.Magic != JournalRecord.MagicValue || header.Sequence != sequence || header.Nonce != nonce
                || header.TotalLength < JournalRecord.HeaderSize + JournalRecord.TrailerSize
                || header.TotalLength > end - position || (header.TotalLength & 7) != 0)
            {
                break;
            }

            var record = device.Span(position, header.TotalLength);
            if (!Checksum.Verify(record, Checksum.JournalSeed))
            {
                break; // torn: the crash came before the commit was complete
            }

            ValidateEntries(device, record, header, position);
            found.Add((position, header.TotalLength));
            position += header.TotalLength;
            sequence++;
        }

        if (!readOnly)
        {
            foreach (var (recordPosition, length) in found)
            {
                Apply(device, device.Span(recordPosition, length), null);
            }
        }

        replayed = found.Count;
        return new MetadataJournal(device, superblocks, faults, position, sequence);
    }

    /// <summary>Makes <paramref name="transaction"/> durable and applies it; afterwards it is clear.</summary>
    public void Commit(Transaction transaction)
    {
        if (transaction.Count == 0)
        {
            return;
        }

        long size = JournalRecord.HeaderSize + JournalRecord.TrailerSize;
        foreach (var write in transaction.Writes)
        {
            size += JournalRecord.EntrySize(write.Length);
        }

        if (size > Capacity)
        {
            throw new RegionException(RegionError.NoSpace, $"a metadata transaction of {size} bytes exceeds the journal of {Capacity} bytes");
        }

        if (_writePosition + size > _end)
        {
            _writePosition = _start;
            CheckpointHere();
        }

        var record = _device.Span(_writePosition, (int)size);
        JournalRecord.WriteHeader(record, transaction.Count, _nextSequence, _nonce, (int)size);
        var offset = JournalRecord.HeaderSize;
        var data = transaction.Data;
        foreach (var (target, start, length) in transaction.Writes)
        {
            BinaryPrimitives.WriteInt64LittleEndian(record[offset..], target);
            BinaryPrimitives.WriteInt32LittleEndian(record[(offset + 8)..], length);
            BinaryPrimitives.WriteInt32LittleEndian(record[(offset + 12)..], 0);
            data.Slice(start, length).CopyTo(record[(offset + JournalRecord.EntryHeaderSize)..]);
            offset += JournalRecord.EntrySize(length);
        }

        if (_faults is not null)
        {
            // Simulates a crash halfway through the commit: a plausible header and half of the record.
            _faults.Reached(FaultPoint.JournalTorn);
        }

        Checksum.Seal(record, Checksum.JournalSeed);
        _faults?.Reached(FaultPoint.JournalWritten);
        Apply(_device, record, _faults);
        _faults?.Reached(FaultPoint.Applied);
        _writePosition += size;
        _nextSequence++;
        Committed++;
        transaction.Clear();
    }

    /// <summary>Declares everything committed so far applied: attach will replay nothing before this point.</summary>
    public void CheckpointHere()
    {
        var position = _writePosition;
        var sequence = _nextSequence;
        _superblocks.Update((ref SuperblockRecord sb) =>
        {
            sb.CheckpointOffset = position;
            sb.CheckpointSequence = sequence;
        });
    }

    private static void Apply(RegionDevice device, ReadOnlySpan<byte> record, IFaultInjector? faults)
    {
        var header = JournalRecord.ReadHeader(record);
        var offset = JournalRecord.HeaderSize;
        for (var i = 0; i < header.EntryCount; i++)
        {
            var target = BinaryPrimitives.ReadInt64LittleEndian(record[offset..]);
            var length = BinaryPrimitives.ReadInt32LittleEndian(record[(offset + 8)..]);
            record.Slice(offset + JournalRecord.EntryHeaderSize, length).CopyTo(device.Span(target, length));
            offset += JournalRecord.EntrySize(length);
            if (i == 0 && header.EntryCount > 1)
            {
                faults?.Reached(FaultPoint.ApplyPartial);
            }
        }
    }

    /// <summary>A checksummed record whose entries point outside metadata space is corruption, not a torn tail.</summary>
    private static void ValidateEntries(RegionDevice device, ReadOnlySpan<byte> record, JournalRecord.Header header, long position)
    {
        var offset = JournalRecord.HeaderSize;
        var limit = record.Length - JournalRecord.TrailerSize;
        for (var i = 0; i < header.EntryCount; i++)
        {
            if (limit - offset < JournalRecord.EntryHeaderSize)
            {
                throw RegionException.Corrupt("journal record", position, $"entry {i} runs past the record");
            }

            var target = BinaryPrimitives.ReadInt64LittleEndian(record[offset..]);
            var length = BinaryPrimitives.ReadInt32LittleEndian(record[(offset + 8)..]);
            var inChunkTable = target >= RegionLayout.ChunkTableOffset
                && target + length <= RegionLayout.ChunkTableOffset + (RegionLayout.ChunkTablePages * ChunkTablePage.TotalSize);
            var inAllocatable = target >= RegionLayout.HeaderSize && target <= device.Size - length;
            if (length <= 0 || length > limit - offset - JournalRecord.EntryHeaderSize || !(inChunkTable || inAllocatable))
            {
                throw RegionException.Corrupt("journal record", position, $"entry {i} writes {length} bytes at 0x{target:x}, outside metadata space");
            }

            offset += JournalRecord.EntrySize(length);
        }

        if (offset != limit)
        {
            throw RegionException.Corrupt("journal record", position, "entries do not fill the record");
        }
    }

    /// <summary>Hash used by tests to compare journal contents.</summary>
    internal static ulong HashOf(ReadOnlySpan<byte> bytes) => XxHash3.HashToUInt64(bytes);
}
