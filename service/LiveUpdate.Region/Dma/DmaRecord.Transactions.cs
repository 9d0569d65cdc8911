using LiveUpdate.Region.Internal;

namespace LiveUpdate.Region.Dma;

public sealed partial class DmaRecord
{
    /// <summary>A table editor whose new pages <paramref name="transaction"/> takes (and gives back if it does not commit).</summary>
    private TableEditor NewTableEditor(RegionTransaction transaction) => new(_region.Device, () => transaction.AllocateBlock(TablePage));

    /// <summary>
    /// Adds an editor's changes to <paramref name="transaction"/>, with <paramref name="owner"/>'s inode taking the pages
    /// the editor allocated and freed (its size follows); the pages freed are released after the commit and a checkpoint.
    /// </summary>
    private void Stage(RegionTransaction transaction, TableEditor editor, Node? owner)
    {
        if (owner is not null && (editor.Allocated.Count > 0 || editor.Freed.Count > 0))
        {
            var extents = PageExtents.With(owner.Extents, editor.Allocated, editor.Freed);
            _region.SetExtents(transaction, owner, extents, extents.Sum(e => e.Length));
        }

        editor.Emit(transaction.Writes);
        if (owner is not null)
        {
            transaction.WriteInode(owner);
        }

        foreach (var page in editor.Freed)
        {
            transaction.ReleaseMetadata(page, TablePage);
        }
    }
}
