using System.Diagnostics;
using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Checking;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Dma;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;
using LiveUpdate.Region.Journal;

namespace LiveUpdate.Region;

/// <summary>
/// An attached persistent region: the on-region filesystem of guest-memory, device-state, IOMMU-table and
/// blob files. Every mutation is one journal transaction (see <see cref="MetadataJournal"/>) and is either
/// wholly in the region after a crash or not at all. All members are thread-safe; mutations are serialized.
/// </summary>
public sealed partial class PersistentRegion : IDisposable
{
    private readonly Lock _lock = new();
    private readonly RegionDevice _device;
    private readonly bool _ownsDevice;
    private readonly RegionOptions _options;
    /// <summary>The journal write buffer, reused by every mutation (one at a time, under the lock).</summary>
    private readonly Transaction _writes = new();
    private readonly RegionTransaction _transaction = new();
    private SuperblockStore _superblocks = null!;
    private MetadataJournal _journal = null!;
    private ExtentAllocator _allocator = null!;
    private InodeTable _inodes = null!;
    private Dictionary<ulong, Node> _nodes = null!;
    private Node _root = null!;
    private bool _disposed;

    private PersistentRegion(RegionDevice device, bool ownsDevice, RegionOptions options)
    {
        _device = device;
        _ownsDevice = ownsDevice;
        _options = options;
        Dma = new DmaRecord(this);
    }

    /// <summary>What attach found and did.</summary>
    public AttachReport AttachReport { get; private set; } = null!;

    /// <summary>The device the region lives on.</summary>
    public RegionDevice Device => _device;

    /// <summary>The IOMMU domains: VT-d tables and the replay record of every DMA mapping (docs/design.md §8).</summary>
    public DmaRecord Dma { get; }

    /// <summary>
    /// Attaches an existing region: validates the superblock, replays committed journal transactions, reads
    /// all metadata (never a data page) and rebuilds the in-memory indexes. Corruption throws
    /// <see cref="RegionError.Corrupt"/> naming the structure and offset, and nothing is written.
    /// </summary>
    public static PersistentRegion Attach(RegionDevice device, RegionOptions? options = null) =>
        AttachCore(device, ownsDevice: false, options ?? new RegionOptions());

    /// <summary>Opens the device at <paramref name="path"/> and attaches it; disposing the region closes the device.</summary>
    public static PersistentRegion Attach(string path, RegionDeviceOptions? deviceOptions = null, RegionOptions? options = null)
    {
        var device = RegionDevice.Open(path, deviceOptions);
        try
        {
            return AttachCore(device, ownsDevice: true, options ?? new RegionOptions());
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a fresh, empty region over the whole device (any previous content becomes unreachable) and
    /// attaches it. Callers decide whether formatting is allowed; see <see cref="RegionProbe"/>.
    /// </summary>
    public static PersistentRegion Format(RegionDevice device, RegionOptions? options = null, Guid? regionUuid = null)
    {
        options ??= new RegionOptions();
        RegionFormatter.Write(device, regionUuid ?? Guid.NewGuid(), options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(), options.NewInstanceId());
        return AttachCore(device, ownsDevice: false, options);
    }

    private static PersistentRegion AttachCore(RegionDevice device, bool ownsDevice, RegionOptions options)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the region format is little-endian");
        }

        var started = Stopwatch.GetTimestamp();
        var warnings = new List<CheckProblem>();
        var (superblock, slot) = SuperblockReader.Read(device, warnings);
        var versionFound = superblock.FormatVersion;
        if ((superblock.IncompatibleFeatures & SuperblockRecord.FeatureNamespaceExtents) != 0 && options.Namespaces is null)
        {
            // Its guest memory is in other namespaces: attached as a plain device, a descriptor of it would be handed out
            // for files that are not in it. A check without attaching (CheckDetached) reads it.
            throw new RegionException(RegionError.UnsupportedFormat,
                $"{device.Path} is the metadata of a namespaces-backend region (its guest memory is in namespaces of their own): " +
                "attach it through its nd region (--region /sys/bus/nd/devices/regionN), not as a device of its own");
        }

        var region = new PersistentRegion(device, ownsDevice, options);
        region._superblocks = new SuperblockStore(device, superblock, slot, options.FaultInjector);
        var replacedByReplay = new List<(long Offset, byte[] Bytes)>();
        region._journal = MetadataJournal.Recover(device, region._superblocks, options.FaultInjector, readOnly: false, out var replayed, replacedByReplay);
        var checkStarted = Stopwatch.GetTimestamp();
        var scan = MetadataScanner.Scan(device, region._superblocks.Current);
        var dma = scan.Problems.Count == 0 && scan.Root is not null ? DmaScanner.Scan(device, device.PhysicalBase, scan.Root, scan.Nodes, scan.Problems) : null;
        if (scan.Problems.Count > 0)
        {
            // The replay is undone so that a refused attach leaves the region byte for byte as it was; the records
            // stay in the journal and are replayed by the attach after a repair.
            MetadataJournal.Undo(device, replacedByReplay);
            var first = scan.Problems[0];
            throw new RegionException(RegionError.Corrupt,
                $"corrupt {first.Structure} at region offset 0x{first.Offset:x}: {first.Message}" +
                (scan.Problems.Count > 1 ? $" (and {scan.Problems.Count - 1} more problems)" : string.Empty) +
                "; the region was not changed. Run a check (luctl check) to list every problem and check --repair to fix what can be fixed");
        }

        region.Load(scan);
        region.Dma.Load(dma!);
        var namespaceProblems = options.Namespaces is { } directory ? region.BindNamespaces(directory) : [];
        var check = RegionChecker.Report(device, namespaceProblems, [], scan, repair: false);
        var checkDuration = Stopwatch.GetElapsedTime(checkStarted);
        FormatUpgrades.UpgradeInPlace(region, region._superblocks);
        var now = options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        region._superblocks.Update((ref SuperblockRecord sb) =>
        {
            sb.AttachedAtUnixMs = now;
            sb.AttachCount++;
            sb.PhysicalBase = device.PhysicalBase;
            sb.Flags = (device.PhysicalBaseSimulated ? SuperblockRecord.FlagPhysicalBaseSimulated : 0)
                | (device.Backend == RegionBackend.DevDax ? SuperblockRecord.FlagDevDax : 0);
            sb.IncompatibleFeatures |= options.Namespaces is null ? 0 : SuperblockRecord.FeatureNamespaceExtents;
        });
        var orphansRemoved = region.RemoveOrphanNamespaces();
        region._journal.CheckpointHere();
        region.AttachReport = new AttachReport
        {
            StateAtAttach = (LifecycleState)superblock.LifecycleState,
            BootIdAtAttach = superblock.BootId.ToGuid(),
            JournalTransactionsReplayed = replayed,
            FormatVersionFound = versionFound,
            Warnings = warnings,
            Check = check,
            CheckDuration = checkDuration,
            OrphanNamespacesRemoved = orphansRemoved,
            Duration = Stopwatch.GetElapsedTime(started),
        };
        return region;
    }

    /// <summary>Replaces the in-memory indexes with those of a clean scan.</summary>
    private void Load(MetadataScan scan)
    {
        _nodes = scan.Nodes;
        _root = scan.Root ?? throw RegionException.Corrupt("root inode", 0, "missing");
        _allocator = scan.Allocator!;
        _inodes = new InodeTable(scan.Chunks, scan.FreeSlots);
    }

    /// <summary>Facts about the region.</summary>
    public RegionInfo Info
    {
        get
        {
            lock (_lock)
            {
                ThrowIfDisposed();
                ref readonly var sb = ref _superblocks.Current;
                return new RegionInfo
                {
                    Backend = _options.Namespaces is null ? _device.Backend : RegionBackend.Namespaces,
                    Path = _options.Namespaces?.RegionPath ?? _device.Path,
                    Size = sb.RegionSize,
                    SmallGranule = (int)sb.SmallGranule,
                    LargeGranule = sb.LargeGranule,
                    PhysicalBase = sb.PhysicalBase,
                    PhysicalBaseSimulated = (sb.Flags & SuperblockRecord.FlagPhysicalBaseSimulated) != 0,
                    FormatVersion = sb.FormatVersion,
                    RegionUuid = sb.RegionUuid.ToGuid(),
                    State = (LifecycleState)sb.LifecycleState,
                    Generation = (long)sb.Generation,
                    BootId = sb.BootId.ToGuid(),
                    PreviousBootId = sb.PreviousBootId.ToGuid(),
                    FormattedAt = DateTimeOffset.FromUnixTimeMilliseconds(sb.FormattedAtUnixMs),
                    AttachCount = (long)sb.AttachCount,
                    ReconcileCause = (ReconcileCause)sb.ReconcileCause,
                    StateChangedAt = sb.StateChangedAtUnixMs == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(sb.StateChangedAtUnixMs),
                };
            }
        }
    }

    /// <summary>Detaches: marks everything applied so the next attach replays nothing, then releases the device if owned.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!_journal.Failed)
            {
                _journal.CheckpointHere();
            }
        }

        if (_ownsDevice)
        {
            _device.Dispose();
        }
    }

    /// <summary>Starts a mutation (see <see cref="RegionTransaction"/>); the caller holds the lock and ends it with <c>using</c>.</summary>
    internal RegionTransaction BeginTransaction() => _transaction.Begin(_writes, _journal, _allocator, _inodes);

    /// <summary>The lock every member takes; the subsystems (<see cref="Dma"/>) take it too.</summary>
    internal Lock SyncRoot => _lock;

    /// <summary>The inodes by number.</summary>
    internal Dictionary<ulong, Node> Nodes => _nodes;

    /// <summary>The root directory.</summary>
    internal Node Root => _root;

    /// <summary>Physical address of region offset 0, as the superblock records it.</summary>
    internal ulong PhysicalBase => _superblocks.Current.PhysicalBase;

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>A mutation's first check: the region is attached and not frozen for an update.</summary>
    internal void ThrowIfDisposedOrFrozen()
    {
        ThrowIfDisposed();
        ThrowIfFrozen();
    }

    internal long NowUnixMs() => _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    internal Guid NewInstanceId() => _options.NewInstanceId();
}
