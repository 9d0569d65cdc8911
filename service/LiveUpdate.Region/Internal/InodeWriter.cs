using LiveUpdate.Region.Format;
using LiveUpdate.Region.Journal;

namespace LiveUpdate.Region.Internal;

/// <summary>Encodes inodes (and their overflow extent blocks) into a transaction.</summary>
internal static class InodeWriter
{
    /// <summary>Overflow extent blocks a node with <paramref name="extentCount"/> extents needs.</summary>
    public static int BlocksNeeded(int extentCount) =>
        extentCount <= InodeRecord.InlineExtentCapacity ? 0 : (extentCount - InodeRecord.InlineExtentCapacity + ExtentBlock.Capacity - 1) / ExtentBlock.Capacity;

    /// <summary>Adds the node's inode record and extent blocks (already sized by the caller) to <paramref name="transaction"/>.</summary>
    public static void Write(Transaction transaction, Node node, long slotOffset)
    {
        var record = default(InodeRecord);
        record.Magic = InodeRecord.MagicValue;
        record.Kind = (byte)node.Kind;
        record.Flags = node.NamespaceBacked ? InodeRecord.FlagNamespaceBacked : (byte)0;
        record.Number = node.Number;
        record.Generation = node.Generation;
        record.Parent = node.Parent?.Number ?? node.ParentNumber;
        record.Size = node.Size;
        record.AllocatedBytes = node.AllocatedBytes;
        record.OwnerUid = node.OwnerUid;
        record.Mode = node.Mode;
        record.VmUuid = Uuid.From(node.VmUuid);
        record.InstanceId = Uuid.From(node.InstanceId);
        record.CreatedUnixMs = node.CreatedUnixMs;
        record.ModifiedUnixMs = node.ModifiedUnixMs;
        record.ExtentCount = (uint)node.Extents.Count;
        record.NameLength = (ushort)NameRules.Encode(node.Name, record.Name);
        Span<ExtentRecord> inline = record.Extents;
        var extents = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(node.Extents);
        var inlineCount = Math.Min(extents.Length, InodeRecord.InlineExtentCapacity);
        extents[..inlineCount].CopyTo(inline);
        record.OverflowBlock = node.ExtentBlocks.Count > 0 ? node.ExtentBlocks[0] : 0;
        record.WriteSealed(transaction.Add(slotOffset, InodeRecord.TotalSize));

        var rest = extents[inlineCount..];
        for (var i = 0; i < node.ExtentBlocks.Count; i++)
        {
            var count = Math.Min(rest.Length, ExtentBlock.Capacity);
            var next = i + 1 < node.ExtentBlocks.Count ? node.ExtentBlocks[i + 1] : 0;
            ExtentBlock.Write(transaction.Add(node.ExtentBlocks[i], ExtentBlock.TotalSize), node.Number, node.Generation, next, i, rest[..count]);
            rest = rest[count..];
        }
    }

    /// <summary>Adds a free-slot record that keeps the last owner's generation.</summary>
    public static void WriteFree(Transaction transaction, ulong number, ulong generation, long slotOffset)
    {
        var record = default(InodeRecord);
        record.Magic = InodeRecord.MagicValue;
        record.Number = number;
        record.Generation = generation;
        record.WriteSealed(transaction.Add(slotOffset, InodeRecord.TotalSize));
    }
}
