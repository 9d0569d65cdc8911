using LiveUpdate.Region.Journal;

namespace LiveUpdate.Region.Format;

/// <summary>
/// The upgrade path: a newer engine attaches a region written by an older one and upgrades it in place, one
/// version step at a time. Steps run once the journal is replayed and the metadata scanned clean, so a step
/// changes files through journal transactions like any mutation. Each step is idempotent and the superblock's
/// version moves last: a crash mid-step leaves the old version, and the next attach replays what the step
/// committed and runs it again. An older engine refuses a newer format (<see cref="Checking.SuperblockReader"/>).
/// A step for version N → N+1 is added here with the golden image of version N kept in the tests.
/// </summary>
internal static class FormatUpgrades
{
    /// <summary>One upgrade step from <see cref="From"/> to <see cref="From"/> + 1, after which readers need <see cref="MinReaderVersion"/>.</summary>
    public sealed record Step(uint From, uint MinReaderVersion, Action<PersistentRegion> Apply);

    /// <summary>Steps in version order.</summary>
    public static IReadOnlyList<Step> Steps { get; } =
    [
        // 1 → 2: the IOMMU structures are new inodes and pages made on first use, so nothing is rewritten; only
        // a version-2 reader may attach from now on, because an older one would not honour DMA pins.
        new Step(1, 2, _ => { }),

        // 2 → 3: every inode gets a random instance id in bytes format 2 kept zero. An older engine would write
        // zeros back there, so only a version-3 reader may attach from now on.
        new Step(2, 3, region => region.AssignMissingInstanceIds()),
    ];

    /// <summary>Applies every step from the region's version up to <see cref="RegionLayout.CurrentFormatVersion"/>.</summary>
    public static void UpgradeInPlace(PersistentRegion region, SuperblockStore superblocks)
    {
        while (superblocks.Current.FormatVersion < RegionLayout.CurrentFormatVersion)
        {
            var from = superblocks.Current.FormatVersion;
            var step = Steps.FirstOrDefault(s => s.From == from)
                ?? throw new RegionException(RegionError.UnsupportedFormat, $"no upgrade from region format version {from}");
            step.Apply(region);
            superblocks.Update((ref SuperblockRecord sb) =>
            {
                sb.FormatVersion = from + 1;
                sb.MinReaderVersion = step.MinReaderVersion;
            });
        }
    }
}
