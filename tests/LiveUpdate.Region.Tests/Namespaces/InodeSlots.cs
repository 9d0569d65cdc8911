using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Tests.Namespaces;

/// <summary>Finds a live inode's record in a region's first inode chunk, for tests that read or damage it in place.</summary>
internal static class InodeSlots
{
    /// <summary>The record (and its slot's offset) of the live inode called <paramref name="name"/>.</summary>
    public static (long Offset, InodeRecord Record) Find(RegionDevice device, string name)
    {
        var chunk = ChunkTablePage.Entries(device.Span(RegionLayout.ChunkTableOffset, ChunkTablePage.TotalSize))[0];
        for (var slot = 0; slot < RegionLayout.InodesPerChunk; slot++)
        {
            var offset = chunk + ((long)slot * InodeRecord.TotalSize);
            var record = InodeRecord.Read(device.Span(offset, InodeRecord.TotalSize));
            if (record.Magic == InodeRecord.MagicValue && record.Kind != 0
                && System.Text.Encoding.UTF8.GetString(((ReadOnlySpan<byte>)record.Name)[..record.NameLength]) == name)
            {
                return (offset, record);
            }
        }

        throw new InvalidOperationException($"no inode named {name}");
    }
}
