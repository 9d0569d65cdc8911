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
            var pending = _nodes.Values.Where(n => n.InstanceId == Guid.Empty).OrderBy(n => n.Number).ToList();
            for (var next = 0; next < pending.Count;)
            {
                using var transaction = BeginTransaction();
                while (next < pending.Count && transaction.Writes.Data.Length < InstanceIdBatchBytes)
                {
                    var node = pending[next++];
                    node.InstanceId = _options.NewInstanceId();
                    transaction.WriteInode(node);
                }

                transaction.Commit();
            }
        }
    }
}
