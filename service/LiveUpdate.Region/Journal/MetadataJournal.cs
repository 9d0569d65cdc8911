using System.Buffers.Binary;
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
internal sealed class MetadataJournal
{
    private readonly RegionDevice _device;
    private readonly SuperblockStore _superblocks;
    private readonly IFaultInjector? _faults;
    private readonly long _start;
    private readonly long _end;
    private readonly ulong _nonce;
    private long _writePosition;
    private ulong _nextSequence;
    private bool _failed;

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

    /// <summary>
    /// True after a commit failed once its record was sealed: what is applied is then unknown, so nothing
    /// more is committed or checkpointed and the next attach replays the record.
    /// </summary>
    public bool Failed => _failed;

    /// <summary>Sequence number the next transaction gets.</summary>
    public ulong NextSequence => _nextSequence;

    /// <summary>Largest transaction the ring accepts.</summary>
    public long Capacity => _end - _start;

    /// <summary>
    /// Finds the committed transactions after the checkpoint, replays them (unless <paramref name="readOnly"/>),
    /// and returns a journal positioned after them. With <paramref name="undo"/>, the bytes each replayed write
    /// replaces are saved there first, so that a caller who then finds the region corrupt can put them back
    /// (<see cref="Undo"/>) and leave the region as it found it.
    /// </summary>
    /// <exception cref="RegionException"><see cref="RegionError.Corrupt"/>: a record that cannot be read is followed by
    /// a committed one (damage, not a commit torn by a crash), or a checksummed record writes outside metadata space.</exception>
    public static MetadataJournal Recover(RegionDevice device, SuperblockStore superblocks, IFaultInjector? faults, bool readOnly, out int replayed,
        List<(long Offset, byte[] Bytes)>? undo = null)
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

        RequireNoCommittedSuccessor(device, start, end, nonce, position, sequence);
        if (!readOnly)
        {
            foreach (var (recordPosition, length) in found)
            {
                var record = device.Span(recordPosition, length);
                if (undo is not null)
                {
                    SaveTargets(device, record, undo);
                }

                Apply(device, record, null);
            }
        }

        replayed = found.Count;
        return new MetadataJournal(device, superblocks, faults, position, sequence);
    }

    /// <summary>Makes <paramref name="transaction"/> durable and applies it; afterwards it is clear.</summary>
    public void Commit(Transaction transaction)
    {
        ThrowIfFailed();
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

        try
        {
            Checksum.Seal(record, Checksum.JournalSeed);
            _faults?.Reached(FaultPoint.JournalWritten);
            Apply(_device, record, _faults);
            _faults?.Reached(FaultPoint.Applied);
        }
        catch
        {
            _failed = true;
            throw;
        }
        _writePosition += size;
        _nextSequence++;
        Committed++;
        transaction.Clear();
    }

    /// <summary>Declares everything committed so far applied: attach will replay nothing before this point.</summary>
    public void CheckpointHere()
    {
        ThrowIfFailed();
        var position = _writePosition;
        var sequence = _nextSequence;
        _superblocks.Update((ref SuperblockRecord sb) =>
        {
            sb.CheckpointOffset = position;
            sb.CheckpointSequence = sequence;
        });
    }

    private void ThrowIfFailed()
    {
        if (_failed)
        {
            throw new RegionException(RegionError.Io, "a metadata commit failed half-way; detach and attach the region again (attach replays the journal)");
        }
    }

    /// <summary>Puts back the bytes <see cref="Recover"/> saved, newest first: the region is as it was before the replay.</summary>
    public static void Undo(RegionDevice device, List<(long Offset, byte[] Bytes)> undo)
    {
        for (var i = undo.Count - 1; i >= 0; i--)
        {
            var (offset, bytes) = undo[i];
            bytes.CopyTo(device.Span(offset, bytes.Length));
        }
    }

    /// <summary>
    /// Replay stops at the first record that does not verify. That is a commit torn by the crash only if nothing
    /// committed follows it: a crash leaves at most one torn record, at the end. A valid record with the next
    /// sequence number further on means the stopping record was damaged after it was committed, and stopping
    /// there would silently drop it and everything after it.
    /// </summary>
    private static void RequireNoCommittedSuccessor(RegionDevice device, long start, long end, ulong nonce, long position, ulong sequence)
    {
        Span<byte> magic = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32LittleEndian(magic, JournalRecord.MagicValue);
        var from = position + 8;
        while (end - from >= JournalRecord.HeaderSize + JournalRecord.TrailerSize)
        {
            var found = device.Span(from, (int)(end - from)).IndexOf(magic);
            if (found < 0)
            {
                return;
            }

            var candidate = from + found;
            from = candidate + 1;
            if (((candidate - start) & 7) != 0 || end - candidate < JournalRecord.HeaderSize + JournalRecord.TrailerSize)
            {
                continue;
            }

            var header = JournalRecord.ReadHeader(device.Span(candidate, JournalRecord.HeaderSize));
            if (header.Sequence != sequence + 1 || header.Nonce != nonce || header.TotalLength < JournalRecord.HeaderSize + JournalRecord.TrailerSize
                || header.TotalLength > end - candidate || (header.TotalLength & 7) != 0
                || !Checksum.Verify(device.Span(candidate, header.TotalLength), Checksum.JournalSeed))
            {
                continue;
            }

            throw RegionException.Corrupt("journal record", position,
                $"record {sequence} does not verify, yet committed record {sequence + 1} follows at 0x{candidate:x}: " +
                "the journal was damaged after the commit (a crash tears only the last record); nothing was replayed");
        }
    }

    /// <summary>Saves the current bytes of every range <paramref name="record"/> writes.</summary>
    private static void SaveTargets(RegionDevice device, ReadOnlySpan<byte> record, List<(long Offset, byte[] Bytes)> undo)
    {
        var header = JournalRecord.ReadHeader(record);
        var offset = JournalRecord.HeaderSize;
        for (var i = 0; i < header.EntryCount; i++)
        {
            var target = BinaryPrimitives.ReadInt64LittleEndian(record[offset..]);
            var length = BinaryPrimitives.ReadInt32LittleEndian(record[(offset + 8)..]);
            undo.Add((target, device.Span(target, length).ToArray()));
            offset += JournalRecord.EntrySize(length);
        }
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
            // Written as "target <= end - length" so that a huge target cannot overflow into range.
            var inChunkTable = target >= RegionLayout.ChunkTableOffset
                && target <= RegionLayout.ChunkTableOffset + (RegionLayout.ChunkTablePages * ChunkTablePage.TotalSize) - length;
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
}
