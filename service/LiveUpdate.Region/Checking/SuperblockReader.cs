using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Checking;

/// <summary>Finds the current superblock among the two copies and validates it against this engine and the device.</summary>
internal static class SuperblockReader
{
    /// <summary>
    /// Returns the newest valid copy and its slot; a damaged other copy is added to <paramref name="problems"/>.
    /// Throws <see cref="RegionError.UnsupportedFormat"/> for a foreign or newer region and
    /// <see cref="RegionError.Corrupt"/> when no copy is usable.
    /// </summary>
    public static (SuperblockRecord Record, int Slot) Read(RegionDevice device, List<CheckProblem> problems)
    {
        SuperblockRecord? best = null;
        var bestSlot = -1;
        var magicSeen = false;
        var copyProblems = new List<CheckProblem>();
        for (var slot = 0; slot < 2; slot++)
        {
            var offset = RegionLayout.SuperblockOffsets[slot];
            var bytes = device.Span(offset, SuperblockRecord.TotalSize);
            var record = SuperblockRecord.Read(bytes);
            var name = $"superblock copy {(slot == 0 ? 'A' : 'B')}";
            if (record.Magic != SuperblockRecord.MagicValue)
            {
                copyProblems.Add(new CheckProblem(name, offset, "bad magic") { Action = RepairAction.RewriteSuperblockCopy });
                continue;
            }

            magicSeen = true;
            if (!Checksum.Verify(bytes, Checksum.SuperblockSeed))
            {
                copyProblems.Add(new CheckProblem(name, offset, "checksum mismatch") { Action = RepairAction.RewriteSuperblockCopy });
                continue;
            }

            RequireReadable(record, offset);
            if (Validate(record, device.Size) is { } invalid)
            {
                copyProblems.Add(new CheckProblem(name, offset, invalid) { Action = RepairAction.RewriteSuperblockCopy });
                continue;
            }

            if (best is null || record.Sequence > best.Value.Sequence)
            {
                best = record;
                bestSlot = slot;
            }
        }

        if (best is null)
        {
            if (!magicSeen)
            {
                throw new RegionException(RegionError.UnsupportedFormat,
                    $"{device.Path} holds no LiveUpdate region (no superblock magic at 0x0 or 0x1000); format it explicitly");
            }

            throw new RegionException(RegionError.Corrupt,
                $"corrupt superblock at region offsets 0x0 and 0x1000: {string.Join("; ", copyProblems.Select(p => p.Message))}");
        }

        problems.AddRange(copyProblems);
        return (best.Value, bestSlot);
    }

    /// <summary>An older engine refuses a newer format clearly instead of misreading it.</summary>
    private static void RequireReadable(in SuperblockRecord record, long offset)
    {
        if (record.FormatVersion > RegionLayout.CurrentFormatVersion || record.MinReaderVersion > RegionLayout.CurrentFormatVersion
            || (record.IncompatibleFeatures & ~SuperblockRecord.KnownIncompatibleFeatures) != 0)
        {
            throw new RegionException(RegionError.UnsupportedFormat,
                $"the region at superblock offset 0x{offset:x} has format version {record.FormatVersion} " +
                $"(needs a reader of version {record.MinReaderVersion}, incompatible features 0x{record.IncompatibleFeatures:x}); " +
                $"this engine reads format versions up to {RegionLayout.CurrentFormatVersion}: upgrade the daemon, do not format");
        }
    }

    /// <summary>Describes what is wrong with a checksummed copy, or null.</summary>
    private static string? Validate(in SuperblockRecord sb, long deviceSize)
    {
        if (sb.FormatVersion is 0 || sb.FormatVersion < sb.MinReaderVersion)
        {
            return $"format version {sb.FormatVersion} is invalid";
        }

        if (sb.RegionSize != deviceSize)
        {
            return $"records a region of {sb.RegionSize} bytes but the device has {deviceSize}";
        }

        if (sb.SmallGranule != RegionLayout.SmallGranule || sb.LargeGranule != RegionLayout.LargeGranule
            || sb.InodeSize != InodeRecord.TotalSize || sb.InodeChunkSize != RegionLayout.InodeChunkSize)
        {
            return "granule or inode geometry differs from the one every format version uses";
        }

        if (sb.JournalOffset != RegionLayout.JournalOffset || sb.JournalSize != RegionLayout.JournalSize
            || sb.ChunkTableOffset != RegionLayout.ChunkTableOffset || sb.ChunkTablePages != RegionLayout.ChunkTablePages
            || sb.HeaderSize != RegionLayout.HeaderSize)
        {
            return "header-area layout differs from the one every format version uses";
        }

        if (sb.CheckpointOffset < sb.JournalOffset || sb.CheckpointOffset > sb.JournalOffset + sb.JournalSize
            || (sb.CheckpointOffset & 7) != 0)
        {
            return $"journal checkpoint 0x{sb.CheckpointOffset:x} lies outside the journal";
        }

        if (!Enum.IsDefined((LifecycleState)sb.LifecycleState))
        {
            return $"lifecycle state {sb.LifecycleState} is unknown";
        }

        if (sb.PhysicalBase % RegionLayout.LargeGranule != 0)
        {
            return $"physical base 0x{sb.PhysicalBase:x} is not 2 MiB aligned";
        }

        if (!MetadataScanner.IsUnixMs(sb.FormattedAtUnixMs) || !MetadataScanner.IsUnixMs(sb.AttachedAtUnixMs))
        {
            return $"times {sb.FormattedAtUnixMs} and {sb.AttachedAtUnixMs} are not valid unix milliseconds";
        }

        return null;
    }
}
