using LiveUpdate.Region;
using LiveUpdate.Region.Devices;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Errors;
using LiveUpdate.Service.Namespaces;
using LiveUpdate.Service.Observability;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Regions;

/// <summary>
/// Owns the attached region. Attach runs first of all start-up work (before either socket exists, so a second daemon on
/// the same region stops at the region's lock and never touches the first one's sockets): open the device (creating the
/// embedded default file when missing), probe it, format it only when it is empty or when <c>--format</c> was given for
/// data it does not recognise, attach (journal replay, full metadata scan), record the boot id. Detach runs last, after
/// both sockets have stopped and in-flight calls have finished.
/// </summary>
internal sealed class RegionHost(IOptions<DaemonOptions> options, TimeProvider time, ILogger<RegionHost> logger) : IDisposable
{
    private readonly Lock _lock = new();
    private RegionDevice? _device;
    private volatile PersistentRegion? _region;

    /// <summary>The attached region, or null before attach and after detach.</summary>
    public PersistentRegion? Region => _region;

    /// <summary>What attach made of the boot id and state (planned update, unplanned reboot, restart); null before attach.</summary>
    public BootDecision? Boot { get; private set; }

    /// <summary>The attached region; for an RPC, UNAVAILABLE (retry) while the daemon is starting or stopping.</summary>
    public PersistentRegion RequireAttached() =>
        _region ?? throw new DaemonException(DaemonError.NotReady, "the region is not attached (the daemon is starting or stopping); retry");

    /// <summary>
    /// The namespaces backend's directory (each guest-memory file its own devdax namespace, docs/design.md §3), or null on
    /// the file and devdax backends; set by attach.
    /// </summary>
    public NdNamespaceDirectory? Namespaces { get; private set; }

    /// <summary>
    /// The bytes every owner's files share (what a percentage quota is of): the attached region's size, or on the
    /// namespaces backend the whole nd region's, whose guest memory lies outside the metadata device.
    /// </summary>
    public long CapacityBytes => Namespaces is { } namespaces ? namespaces.Sysfs.RegionBytes() : RequireAttached().Info.Size;

    /// <summary>The region device's path (what descriptors are opened on; the metadata namespace's device on the namespaces backend); set by attach.</summary>
    public string RegionPath { get; private set; } = string.Empty;

    /// <summary>The device's identity at attach; a descriptor opened later must refer to the same inode.</summary>
    public (uint DevMajor, uint DevMinor, ulong Inode, uint RdevMajor, uint RdevMinor) RegionIdentity { get; private set; }

    /// <summary>
    /// Serializes the API's check-then-act sequences (look up the owner, then change the file), so a decision is never
    /// made on a file that another call replaces in between. The engine serializes its own mutations as well.
    /// </summary>
    public Lock Mutations { get; } = new();

    /// <summary>Probes, formats when allowed, attaches and records the boot. Throws <see cref="DaemonStartupException"/>.</summary>
    public void Attach()
    {
        lock (_lock)
        {
            if (_region is not null)
            {
                return;
            }

            var settings = options.Value;
            NdNamespaceDirectory? namespaces = null;
            RegionDevice device;
            if (NamespaceRegion.IsNdRegionPath(settings.Region))
            {
                (device, namespaces) = NamespaceRegion.Open(settings, logger);
            }
            else
            {
                device = OpenDevice(settings, RegionFileCreation.SizeToCreate(settings, logger));
            }

            PersistentRegion? region = null;
            try
            {
                RegionLog.Opened(logger, device.Path, namespaces is null ? device.Backend : RegionBackend.Namespaces, device.Size, device.PhysicalBase,
                    device.PhysicalBaseSimulated ? "simulated" : "from sysfs");
                var regionOptions = new RegionOptions { TimeProvider = time, Namespaces = namespaces };
                var content = RegionProbe.Inspect(device);
                var (action, reason) = FormatPolicy.Decide(content, device.Backend, settings.Format, device.Path);
                switch (action)
                {
                    case FormatPolicy.Action.Format:
                        RegionLog.Formatting(logger, device.Path, reason);
                        region = PersistentRegion.Format(device, regionOptions);
                        break;
                    case FormatPolicy.Action.Refuse:
                        throw new DaemonStartupException(reason);
                    default:
                        // Region, NewerRegion, CorruptRegion: attach says precisely what it found (a newer format, a damaged
                        // structure and its offset) and writes nothing when it refuses.
                        region = PersistentRegion.Attach(device, regionOptions);
                        break;
                }

                var bootId = ReadBootId(settings.BootIdFile);
                var before = region.Info;
                var decision = BootDecision.Decide(before, bootId);
                var info = region.RecordBoot(bootId, decision.State, decision.Cause);
                var report = region.AttachReport;
                RegionLog.Attached(logger, info.FormatVersion, info.RegionUuid, report.Duration.TotalMilliseconds, report.StateAtAttach,
                    info.Generation, report.JournalTransactionsReplayed, info.AttachCount);
                if (before.BootId == bootId)
                {
                    RegionLog.SameBoot(logger, bootId);
                }
                else
                {
                    RegionLog.BootChanged(logger, before.BootId, bootId, before.BootId == Guid.Empty ? "first attach" : "the host rebooted or was kexec'd");
                }

                if (decision.State != before.State)
                {
                    RegionLog.StateAtBoot(logger, before.State, info.State, decision.Cause);
                }

                foreach (var warning in decision.Warnings)
                {
                    RegionLog.AttachWarning(logger, warning);
                }

                foreach (var warning in report.Warnings)
                {
                    RegionLog.AttachWarning(logger, warning.ToString());
                }

                if (namespaces is not null)
                {
                    foreach (var name in report.OrphanNamespacesRemoved)
                    {
                        NamespaceLog.OrphanRemoved(logger, name, namespaces.Sysfs.RegionName, "at attach");
                    }

                    var owned = region.ListAllFiles().Count(f => f.Namespace is not null);
                    NamespaceLog.OwnersApplied(logger, owned, namespaces.Sysfs.RegionName);
                }

                var stats = region.GetStatistics();
                RegionLog.Usage(logger, stats.Files, stats.Directories, stats.UsedBytes, stats.FreeBytes, stats.LargestFreeExtent);
                RegionIdentity = StatIdentity(device.Path);
                RegionPath = device.Path;
                Namespaces = namespaces;
                Boot = decision;
                _device = device;
                _region = region;
            }
            catch (RegionException ex)
            {
                region?.Dispose();
                device.Dispose();
                // The daemon that refuses cannot serve luctl check: the offline check is the way out (docs/design.md §14).
                var way = ex.Error == RegionError.Corrupt
                    ? $". Run 'liveupdated check --region {settings.Region}' to list every problem, and again with --repair to fix what can be fixed"
                    : string.Empty;
                throw new DaemonStartupException($"cannot attach region {device.Path}: {ex.Message}{way}", inner: ex);
            }
            catch
            {
                region?.Dispose();
                device.Dispose();
                throw;
            }
        }
    }

    /// <summary>Detaches (the journal is checkpointed) and closes the device, releasing its lock. Idempotent.</summary>
    public void Detach()
    {
        lock (_lock)
        {
            var region = _region;
            if (region is null)
            {
                return;
            }

            _region = null;
            region.Dispose();
            _device?.Dispose();
            _device = null;
            RegionLog.Detached(logger, RegionPath);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Detach();

    private static RegionDevice OpenDevice(DaemonOptions settings, long? createSize)
    {
        try
        {
            return RegionDevice.Open(settings.Region, new RegionDeviceOptions
            {
                CreateIfMissing = createSize is not null,
                CreateSize = createSize ?? settings.RegionSize,
                SimulatedPhysicalBase = settings.PhysicalBase,
            });
        }
        catch (RegionException ex) when (ex.Error == RegionError.Busy)
        {
            throw new DaemonStartupException(
                $"region {settings.Region} is held by another process (is another liveupdated running on it?): stop that one first", inner: ex);
        }
        catch (RegionException ex)
        {
            throw new DaemonStartupException($"cannot open region {settings.Region}: {ex.Message}", inner: ex);
        }
    }

    private static Guid ReadBootId(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartupException($"cannot read the boot id from {path}: {ex.Message}", inner: ex);
        }

        return Guid.TryParse(text, out var id)
            ? id
            : throw new DaemonStartupException($"{path} does not hold a boot id (a UUID): '{(text.Length > 64 ? text[..64] + "…" : text)}'");
    }

    private static (uint, uint, ulong, uint, uint) StatIdentity(string path) =>
        Interop.Libc.TryStatx(path, noFollow: false, out var status, out var errno)
            ? status.Identity
            : throw new DaemonStartupException($"cannot stat region {path}: {Interop.Libc.Describe(errno)}");
}
