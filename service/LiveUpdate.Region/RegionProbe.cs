using LiveUpdate.Region.Checking;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region;

/// <summary>What a device holds, so callers can refuse to format anything they do not recognise.</summary>
public enum RegionContent
{
    /// <summary>The header area is all zeros: nothing to lose by formatting.</summary>
    Empty,
    /// <summary>A LiveUpdate region this engine can attach.</summary>
    Region,
    /// <summary>A LiveUpdate region written by a newer engine.</summary>
    NewerRegion,
    /// <summary>A LiveUpdate region whose superblocks are both damaged.</summary>
    CorruptRegion,
    /// <summary>Data that is not a LiveUpdate region.</summary>
    Foreign,
}

/// <summary>Inspects a device without changing it.</summary>
public static class RegionProbe
{
    /// <summary>Classifies what <paramref name="device"/> holds.</summary>
    public static RegionContent Inspect(RegionDevice device)
    {
        // The whole header area, not just the superblock slots: a region whose two superblocks were zeroed still has
        // its chunk table and journal, and calling it Empty would invite formatting over every file in it.
        var header = device.Span(0, (int)Math.Min(device.Size, RegionLayout.HeaderSize));
        if (!header.ContainsAnyExcept((byte)0))
        {
            return RegionContent.Empty;
        }

        try
        {
            SuperblockReader.Read(device, []);
            return RegionContent.Region;
        }
        catch (RegionException ex) when (ex.Error is RegionError.Corrupt or RegionError.UnsupportedFormat)
        {
            return ex.Error switch
            {
                RegionError.Corrupt => RegionContent.CorruptRegion,
                RegionError.UnsupportedFormat when ex.Message.Contains("no LiveUpdate region", StringComparison.Ordinal)
                    => ChunkTablePage.Magic(header[(int)RegionLayout.ChunkTableOffset..]) == ChunkTablePage.MagicValue
                        ? RegionContent.CorruptRegion // both superblock magics are gone, but the chunk table says region
                        : RegionContent.Foreign,
                _ => RegionContent.NewerRegion,
            };
        }
    }
}
