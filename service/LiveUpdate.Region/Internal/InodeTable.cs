using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Internal;

/// <summary>Where inode slots live (chunk offsets) and which are free, rebuilt at attach.</summary>
internal sealed class InodeTable
{
    private readonly List<long> _chunks;
    private readonly Stack<(ulong Number, ulong Generation)> _free;

    /// <summary>Builds the table from scanned chunks and free slots (ascending).</summary>
    public InodeTable(List<long> chunks, List<(ulong Number, ulong Generation)> freeSlots)
    {
        _chunks = chunks;
        _free = new Stack<(ulong, ulong)>(freeSlots.Count);
        for (var i = freeSlots.Count - 1; i >= 0; i--)
        {
            _free.Push(freeSlots[i]); // lowest numbers come out first
        }
    }

    /// <summary>Number of chunks.</summary>
    public int ChunkCount => _chunks.Count;

    /// <summary>Inode slots in existing chunks.</summary>
    public long SlotCount => (long)_chunks.Count * RegionLayout.InodesPerChunk;

    /// <summary>Free slots in existing chunks.</summary>
    public int FreeCount => _free.Count;

    /// <summary>Region offsets of the chunks.</summary>
    public IReadOnlyList<long> Chunks => _chunks;

    /// <summary>Region offset of an inode's slot.</summary>
    public long SlotOffset(ulong number) =>
        _chunks[(int)(number / RegionLayout.InodesPerChunk)] + ((long)(number % RegionLayout.InodesPerChunk) * InodeRecord.TotalSize);

    /// <summary>Takes the lowest free slot; the generation is the one its new owner gets.</summary>
    public bool TryTake(out ulong number, out ulong generation)
    {
        if (_free.TryPop(out var slot))
        {
            number = slot.Number;
            generation = slot.Generation + 1;
            return true;
        }

        number = generation = 0;
        return false;
    }

    /// <summary>Gives a slot back (a failed create, or a removed inode with its last generation).</summary>
    public void Release(ulong number, ulong lastGeneration) => _free.Push((number, lastGeneration));

    /// <summary>Adds a new, zeroed chunk and its slots.</summary>
    public void AddChunk(long offset)
    {
        var first = (ulong)((long)_chunks.Count * RegionLayout.InodesPerChunk);
        _chunks.Add(offset);
        for (var slot = RegionLayout.InodesPerChunk - 1; slot >= 0; slot--)
        {
            var number = first + (ulong)slot;
            if (number != 0)
            {
                _free.Push((number, 0));
            }
        }
    }
}
