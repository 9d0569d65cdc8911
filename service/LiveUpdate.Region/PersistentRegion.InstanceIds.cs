using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region;

public sealed partial class PersistentRegion
{
    /// <summary>Metadata bytes per upgrade transaction: well inside the journal ring, few commits for many inodes.</summary>
    private const int InstanceIdBatchBytes = 512 * 1024;

    /// <summary>
    /// The format 2 → 3 upgrade: gives every inode without an instance id a random one, in journal transactions of many
    /// inodes each (generations unchanged: nothing a caller sees changes but the new field). Idempotent: after a crash
    /// half-way, the next attach replays the committed batches and this finishes the rest.
    /// </summary>
    internal void AssignMissingInstanceIds()
    {
        lock (_lock)
        {
            foreach (var node in _nodes.Values.OrderBy(n => n.Number))
            {
                if (node.InstanceId != Guid.Empty)
                {
                    continue;
                }

                node.InstanceId = _options.NewInstanceId();
                InodeWriter.Write(_transaction, node, _inodes.SlotOffset(node.Number));
                if (_transaction.Data.Length >= InstanceIdBatchBytes)
                {
                    _journal.Commit(_transaction);
                }
            }

            _journal.Commit(_transaction);
        }
    }
}
