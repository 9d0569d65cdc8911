using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Journal;

namespace LiveUpdate.Region.Format;

/// <summary>Writes an empty region of the current format: header area, chunk table, the first inode chunk with the root, superblocks last.</summary>
internal static class RegionFormatter
{
    /// <summary>Formats <paramref name="device"/>. A crash before the superblocks are written leaves no region, never a half one.</summary>
    public static void Write(RegionDevice device, Guid regionUuid, long nowUnixMs, Guid rootInstanceId)
    {
        var size = device.Size;
        if (size < RegionLayout.MinimumRegionSize || size > RegionLayout.MaximumRegionSize || size % RegionLayout.LargeGranule != 0)
        {
            throw RegionException.Invalid(
                $"a region must be a multiple of 2 MiB between {RegionLayout.MinimumRegionSize} and {RegionLayout.MaximumRegionSize} bytes; {device.Path} has {size}");
        }

        // The superblocks go first to zero, so a crash mid-format cannot leave the old region half-overwritten.
        device.Zero(0, RegionLayout.HeaderSize);

        // The first inode chunk starts the small pool at the first granule after the header.
        const long firstChunk = RegionLayout.HeaderSize;
        device.Zero(firstChunk, RegionLayout.LargeGranule);
        Span<long> entries = stackalloc long[ChunkTablePage.EntriesPerPage];
        for (var page = 0; page < RegionLayout.ChunkTablePages; page++)
        {
            entries.Clear();
            if (page == 0)
            {
                entries[0] = firstChunk;
            }

            ChunkTablePage.Write(device.Span(RegionLayout.ChunkTableOffset + ((long)page * ChunkTablePage.TotalSize), ChunkTablePage.TotalSize), (uint)page, entries);
        }

        var root = default(InodeRecord);
        root.Magic = InodeRecord.MagicValue;
        root.Kind = (byte)FileKind.Directory;
        root.Number = RegionLayout.RootInode;
        root.Generation = 1;
        root.Parent = RegionLayout.RootInode;
        root.Mode = 0x1ED; // 0755
        root.CreatedUnixMs = root.ModifiedUnixMs = nowUnixMs;
        root.InstanceId = Uuid.From(rootInstanceId);
        root.WriteSealed(device.Span(firstChunk + ((long)RegionLayout.RootInode * InodeRecord.TotalSize), InodeRecord.TotalSize));

        var sb = default(SuperblockRecord);
        sb.Magic = SuperblockRecord.MagicValue;
        sb.FormatVersion = RegionLayout.CurrentFormatVersion;
        sb.MinReaderVersion = RegionLayout.CurrentFormatVersion;
        sb.RegionUuid = Uuid.From(regionUuid);
        sb.RegionSize = size;
        sb.SmallGranule = RegionLayout.SmallGranule;
        sb.LargeGranule = (uint)RegionLayout.LargeGranule;
        sb.InodeSize = InodeRecord.TotalSize;
        sb.InodeChunkSize = RegionLayout.InodeChunkSize;
        sb.LifecycleState = (uint)LifecycleState.Active;
        sb.Generation = 1;
        sb.PhysicalBase = device.PhysicalBase;
        sb.Flags = (device.PhysicalBaseSimulated ? SuperblockRecord.FlagPhysicalBaseSimulated : 0)
            | (device.Backend == RegionBackend.DevDax ? SuperblockRecord.FlagDevDax : 0);
        sb.JournalOffset = RegionLayout.JournalOffset;
        sb.JournalSize = RegionLayout.JournalSize;
        sb.CheckpointOffset = RegionLayout.JournalOffset;
        sb.CheckpointSequence = 1;
        sb.ChunkTableOffset = RegionLayout.ChunkTableOffset;
        sb.ChunkTablePages = RegionLayout.ChunkTablePages;
        sb.HeaderSize = RegionLayout.HeaderSize;
        sb.FormattedAtUnixMs = nowUnixMs;
        SuperblockStore.WriteBoth(device, sb);
    }
}
