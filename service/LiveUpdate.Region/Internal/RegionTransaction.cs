using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Journal;

namespace LiveUpdate.Region.Internal;

/// <summary>
/// One mutation of the region, from its first allocation to its commit: the one commit/rollback mechanism every
/// operation (Files, Contents, Dma) goes through. Whatever the mutation takes (space, an inode slot) and every node it
/// changes in memory are taken through it, so <see cref="Dispose"/> without <see cref="Commit"/> undoes them all,
/// newest first, and the region is as it was. What the mutation releases is released only once the journal holds the
/// commit: metadata space after a checkpoint too, because an older journal record could still write it.
/// <code>
/// using var transaction = BeginTransaction();   // nothing taken yet
/// ... transaction.Allocate / TakeInode / Save(node), then change the node ...
/// transaction.WriteInode(node);                 // journal writes
/// transaction.Commit();                         // durable; releases run; the rollback is forgotten
/// </code>
/// </summary>
internal sealed class RegionTransaction : IDisposable
{
    private readonly Transaction _writes;
    private readonly MetadataJournal _journal;
    private readonly ExtentAllocator _allocator;
    private readonly InodeTable _inodes;
    private readonly List<Action> _undo = [];
    private readonly List<(ExtentRecord Extent, Pool Pool)> _releases = [];
    private readonly List<Node> _freedInodes = [];
    private bool _releasesMetadata;
    private bool _committed;

    /// <summary>Starts a mutation; <paramref name="writes"/> must be empty and is cleared again when this ends.</summary>
    public RegionTransaction(Transaction writes, MetadataJournal journal, ExtentAllocator allocator, InodeTable inodes)
    {
        _writes = writes;
        _journal = journal;
        _allocator = allocator;
        _inodes = inodes;
    }

    /// <summary>The journal writes collected so far (each the complete new image of a range).</summary>
    public Transaction Writes => _writes;

    /// <summary>Takes <paramref name="bytes"/> from <paramref name="pool"/>; given back if the mutation does not commit.</summary>
    public List<ExtentRecord> Allocate(Pool pool, long bytes)
    {
        var extents = pool == Pool.Large ? _allocator.AllocateLarge(bytes) : _allocator.AllocateSmall(bytes);
        _undo.Add(() =>
        {
            foreach (var extent in extents)
            {
                _allocator.Free(extent, pool);
            }
        });
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

        _undo.Add(() => _allocator.FreeLarge(start, bytes));
        return true;
    }

    /// <summary>Takes the lowest free inode slot (the caller made sure one exists); freed again if the mutation does not commit.</summary>
    public (ulong Number, ulong Generation) TakeInode()
    {
        if (!_inodes.TryTake(out var number, out var generation))
        {
            throw new InvalidOperationException("no free inode slot: call EnsureFreeInode before the transaction starts");
        }

        _undo.Add(() => _inodes.Release(number, generation - 1));
        return (number, generation);
    }

    /// <summary>Remembers what <paramref name="node"/> holds now, so that the changes the mutation makes to it are undone if it does not commit.</summary>
    public void Save(Node node)
    {
        var (parent, name, size, generation, modified, extents, blocks) =
            (node.Parent, node.Name, node.Size, node.Generation, node.ModifiedUnixMs, node.Extents, node.ExtentBlocks);
        _undo.Add(() =>
        {
            node.Parent = parent;
            node.Name = name;
            node.Size = size;
            node.Generation = generation;
            node.ModifiedUnixMs = modified;
            node.Extents = extents;
            node.ExtentBlocks = blocks;
        });
    }

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

    /// <summary>Gives <paramref name="node"/>'s inode slot back (with its last generation) once the mutation commits.</summary>
    public void ReleaseInode(Node node) => _freedInodes.Add(node);

    /// <summary>Releases overflow extent blocks no inode will name once the mutation commits (metadata: after a checkpoint).</summary>
    public void ReleaseExtentBlocks(IEnumerable<long> blocks)
    {
        foreach (var block in blocks)
        {
            ReleaseMetadata(block, ExtentBlock.TotalSize);
        }
    }

    /// <summary>Makes the mutation durable in one journal record, then releases what it gave up. Called once.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        _journal.Commit(_writes);
        _committed = true;
        _undo.Clear();
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

    /// <summary>Ends the mutation: if it did not commit, its journal writes are dropped and everything it took or changed is undone, newest first.</summary>
    public void Dispose()
    {
        if (_committed)
        {
            return;
        }

        _committed = true;
        _writes.Clear();
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            _undo[i]();
        }
    }
}
