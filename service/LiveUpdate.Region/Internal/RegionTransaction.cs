using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Journal;

namespace LiveUpdate.Region.Internal;

/// <summary>
/// One mutation of the region, from its first allocation to its commit: the one commit/rollback mechanism every
/// operation (Files, Contents, Dma) goes through. Whatever the mutation takes (space, an inode slot) and every node it
/// changes in memory are taken through it, so <see cref="Dispose"/> without <see cref="Commit"/> undoes them all
/// and the region is as it was. What the mutation releases is released only once the journal holds the
/// commit: metadata space after a checkpoint too, because an older journal record could still write it.
/// <code>
/// using var transaction = BeginTransaction();   // the region's one instance, reset; nothing taken yet
/// ... transaction.Allocate / TakeInode / Save(node), then change the node ...
/// transaction.WriteInode(node);                 // journal writes
/// transaction.Commit();                         // durable; releases run; the rollback is forgotten
/// </code>
/// </summary>
internal sealed class RegionTransaction : IDisposable
{
    // What the mutation took or changed, undone if it does not commit; kept as data, not closures, and the one
    // instance a region owns is reused, so a mutation allocates nothing here beyond the saved node images.
    private readonly List<(ExtentRecord Extent, Pool Pool)> _taken = [];
    private readonly List<(ulong Number, ulong Generation)> _takenSlots = [];
    private readonly List<NodeImage> _saved = [];
    private readonly List<(ExtentRecord Extent, Pool Pool)> _releases = [];
    private readonly List<Node> _freedInodes = [];
    private Transaction _writes = null!;
    private MetadataJournal _journal = null!;
    private ExtentAllocator _allocator = null!;
    private InodeTable _inodes = null!;
    private bool _releasesMetadata;
    private bool _open;

    /// <summary>Starts a mutation over the region's current structures; <paramref name="writes"/> must be empty and is cleared again when this ends.</summary>
    /// <exception cref="InvalidOperationException">A mutation is already open: they never nest.</exception>
    public RegionTransaction Begin(Transaction writes, MetadataJournal journal, ExtentAllocator allocator, InodeTable inodes)
    {
        if (_open)
        {
            throw new InvalidOperationException("a region transaction is already open; mutations never nest");
        }

        (_writes, _journal, _allocator, _inodes) = (writes, journal, allocator, inodes);
        _open = true;
        return this;
    }

    /// <summary>The journal writes collected so far (each the complete new image of a range).</summary>
    public Transaction Writes => _writes;

    /// <summary>Takes <paramref name="bytes"/> from <paramref name="pool"/>; given back if the mutation does not commit.</summary>
    public List<ExtentRecord> Allocate(Pool pool, long bytes)
    {
        var extents = pool == Pool.Large ? _allocator.AllocateLarge(bytes) : _allocator.AllocateSmall(bytes);
        foreach (var extent in extents)
        {
            _taken.Add((extent, pool));
        }

        return extents;
    }

    /// <summary>Takes one small-pool block of <paramref name="bytes"/> (a metadata page); given back if the mutation does not commit.</summary>
    public long AllocateBlock(long bytes) => Allocate(Pool.Small, bytes)[0].RegionOffset;

    /// <summary>Takes [<paramref name="start"/>, +<paramref name="bytes"/>) of the large pool if free (growth in place); given back if the mutation does not commit.</summary>
    public bool TryTakeLarge(long start, long bytes)
    {
        if (!_allocator.TryTakeLarge(start, bytes))
        {
            return false;
        }

        _taken.Add((new ExtentRecord(start, bytes), Pool.Large));
        return true;
    }

    /// <summary>Takes the lowest free inode slot (the caller made sure one exists); freed again if the mutation does not commit.</summary>
    public (ulong Number, ulong Generation) TakeInode()
    {
        if (!_inodes.TryTake(out var number, out var generation))
        {
            throw new InvalidOperationException("no free inode slot: call EnsureFreeInode before the transaction starts");
        }

        _takenSlots.Add((number, generation));
        return (number, generation);
    }

    /// <summary>Remembers what <paramref name="node"/> holds now, so that the changes the mutation makes to it are undone if it does not commit.</summary>
    public void Save(Node node) => _saved.Add(new NodeImage(node));

    /// <summary>Adds <paramref name="node"/>'s inode record and overflow extent blocks to the journal writes.</summary>
    public void WriteInode(Node node) => InodeWriter.Write(_writes, node, _inodes.SlotOffset(node.Number));

    /// <summary>Adds the record that frees <paramref name="node"/>'s slot (keeping its generation) to the journal writes.</summary>
    public void WriteFreeInode(Node node) => InodeWriter.WriteFree(_writes, node.Number, node.Generation, _inodes.SlotOffset(node.Number));

    /// <summary>Releases file data once the mutation commits (no journal record writes data, so no checkpoint is needed).</summary>
    public void ReleaseData(ExtentRecord extent, Pool pool) => _releases.Add((extent, pool));

    /// <summary>Releases a metadata block (extent block, table page) once the mutation commits and a checkpoint moved past every record that writes it.</summary>
    public void ReleaseMetadata(long offset, long bytes)
    {
        _releases.Add((new ExtentRecord(offset, bytes), Pool.Small));
        _releasesMetadata = true;
    }

    /// <summary>Releases overflow extent blocks no inode will name once the mutation commits (metadata: after a checkpoint).</summary>
    public void ReleaseExtentBlocks(IEnumerable<long> blocks)
    {
        foreach (var block in blocks)
        {
            ReleaseMetadata(block, ExtentBlock.TotalSize);
        }
    }

    /// <summary>Gives <paramref name="node"/>'s inode slot back (with its last generation) once the mutation commits.</summary>
    public void ReleaseInode(Node node) => _freedInodes.Add(node);

    /// <summary>Makes the mutation durable in one journal record, then releases what it gave up. Called once.</summary>
    public void Commit()
    {
        if (!_open)
        {
            throw new InvalidOperationException("the region transaction has ended");
        }

        _journal.Commit(_writes);
        _taken.Clear();
        _takenSlots.Clear();
        _saved.Clear();
        try
        {
            foreach (var node in _freedInodes)
            {
                _inodes.Release(node.Number, node.Generation);
            }

            if (_releasesMetadata)
            {
                _journal.CheckpointHere();
            }

            foreach (var (extent, pool) in _releases)
            {
                _allocator.Free(extent, pool);
            }
        }
        finally
        {
            End();
        }
    }

    /// <summary>Ends the mutation: if it did not commit, its journal writes are dropped and everything it took or changed is undone (each kind newest first).</summary>
    public void Dispose()
    {
        if (!_open)
        {
            return;
        }

        _writes.Clear();
        for (var i = _saved.Count - 1; i >= 0; i--)
        {
            _saved[i].Restore();
        }

        for (var i = _takenSlots.Count - 1; i >= 0; i--)
        {
            _inodes.Release(_takenSlots[i].Number, _takenSlots[i].Generation - 1);
        }

        for (var i = _taken.Count - 1; i >= 0; i--)
        {
            _allocator.Free(_taken[i].Extent, _taken[i].Pool);
        }

        End();
    }

    private void End()
    {
        _taken.Clear();
        _takenSlots.Clear();
        _saved.Clear();
        _releases.Clear();
        _freedInodes.Clear();
        _releasesMetadata = false;
        _open = false;
    }

    /// <summary>What a node held when a mutation saved it.</summary>
    private sealed class NodeImage(Node node)
    {
        private readonly Node? _parent = node.Parent;
        private readonly string _name = node.Name;
        private readonly long _size = node.Size;
        private readonly ulong _generation = node.Generation;
        private readonly long _modifiedUnixMs = node.ModifiedUnixMs;
        private readonly List<ExtentRecord> _extents = node.Extents;
        private readonly List<long> _extentBlocks = node.ExtentBlocks;

        public void Restore()
        {
            node.Parent = _parent;
            node.Name = _name;
            node.Size = _size;
            node.Generation = _generation;
            node.ModifiedUnixMs = _modifiedUnixMs;
            node.Extents = _extents;
            node.ExtentBlocks = _extentBlocks;
        }
    }
}
