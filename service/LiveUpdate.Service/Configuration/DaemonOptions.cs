namespace LiveUpdate.Service.Configuration;

/// <summary>
/// The daemon's options. Their names are normative (issue 3): each is a command-line option (<c>--region-size 4GiB</c>),
/// an environment variable (<c>LIVEUPDATE_REGION_SIZE</c>) and a setting of appsettings.json
/// (<c>"LiveUpdate": { "region-size": "4GiB" }</c>); the command line wins over the environment, which wins over the file.
/// See <see cref="DaemonOptionNames"/> for the list and <see cref="DaemonOptionsValidator"/> for the rules.
/// </summary>
internal sealed class DaemonOptions
{
    /// <summary>The configuration section the options are read from.</summary>
    public const string SectionName = "LiveUpdate";

    /// <summary>The embedded default region: a sparse file on tmpfs.</summary>
    public const string DefaultRegionPath = "/dev/shm/liveupdate/region";

    /// <summary>
    /// Size of the default region file when it has to be created (8 GiB, sparse: tmpfs spends memory only on pages
    /// written, so an empty region costs nothing and the README's quick start fits).
    /// </summary>
    public const long DefaultRegionSize = 8L << 30;

    /// <summary>The largest contents WriteContents accepts by default (1 GiB).</summary>
    public const long DefaultMaxContentsSize = 1L << 30;

    /// <summary>The simulated physical base of a file region (4 GiB).</summary>
    public const ulong DefaultPhysicalBase = 0x1_0000_0000;

    /// <summary>The default of <c>--quota-inodes</c> (docs/design.md §13).</summary>
    public const long DefaultQuotaInodes = 100_000;

    /// <summary>The default of <c>--max-tokens-per-uid</c> (docs/design.md §13).</summary>
    public const int DefaultMaxTokensPerUid = 1024;

    /// <summary>The default of <c>--max-connections</c>.</summary>
    public const int DefaultMaxConnections = 1024;

    /// <summary>The default of <c>--max-connections-per-uid</c>: a VMM supervisor holds one; libvirt runs every QEMU as one uid.</summary>
    public const int DefaultMaxConnectionsPerUid = 256;

    /// <summary>The default of <c>--max-streams</c>.</summary>
    public const int DefaultMaxStreams = 2048;

    /// <summary>The default of <c>--max-streams-per-uid</c>: one RegisterVmm per VM, plus contents streams.</summary>
    public const int DefaultMaxStreamsPerUid = 512;

    /// <summary>
    /// Connections root and the admin group may hold beyond <c>--max-connections</c>, so that no uid filling the total
    /// keeps an administrator out (docs/design.md §13).
    /// </summary>
    public const int AdminConnectionHeadroom = 64;

    /// <summary>Streaming calls root and the admin group may hold beyond <c>--max-streams</c>.</summary>
    public const int AdminStreamHeadroom = 256;

    /// <summary>Where the running kernel's boot id is read.</summary>
    public const string DefaultBootIdFile = "/proc/sys/kernel/random/boot_id";

    /// <summary><c>--region PATH</c>: the region device (<c>/dev/daxN.M</c>) or file.</summary>
    public string Region { get; set; } = DefaultRegionPath;

    /// <summary><c>--region-size SIZE</c>: size of the region file when the daemon creates it (it never resizes an existing one).</summary>
    public long RegionSize { get; set; } = DefaultRegionSize;

    /// <summary>True when <c>--region-size</c> was given: a missing region file at any path is then created with that size.</summary>
    public bool RegionSizeGiven { get; set; }

    /// <summary><c>--format</c>: format a region holding data the daemon does not recognise (never implied for one that holds data).</summary>
    public bool Format { get; set; }

    /// <summary>
    /// <c>--socket-dir DIR</c>: where <see cref="Protocol.SocketDirectory.GrpcSocketName"/> and
    /// <see cref="Protocol.SocketDirectory.FdSocketName"/> are created; by default the directory every client resolves too.
    /// </summary>
    public string SocketDirectory { get; set; } = Protocol.SocketDirectory.Resolve(Interop.Libc.GetEuid());

    /// <summary><c>--phys-base ADDR</c>: the simulated physical base address of a file region (2 MiB aligned).</summary>
    public ulong PhysicalBase { get; set; } = DefaultPhysicalBase;

    /// <summary><c>--boot-id-file PATH</c>: the file holding the running kernel's boot id.</summary>
    public string BootIdFile { get; set; } = DefaultBootIdFile;

    /// <summary><c>--admin-group NAME</c>: members may manage and open every file, as root may; null for none.</summary>
    public string? AdminGroup { get; set; }

    /// <summary><c>--metrics-port N</c>: Prometheus metrics on 127.0.0.1:N; 0 turns them off.</summary>
    public int MetricsPort { get; set; }

    /// <summary><c>--libvirt-uri URI</c>: the libvirt connection the VM inventory is read from (read-only); null for none.</summary>
    public string? LibvirtUri { get; set; }

    /// <summary>The default of <c>--libvirt-wait</c>: libvirtd started beside the daemon after a kexec answers within seconds.</summary>
    public const int DefaultLibvirtWaitSeconds = 60;

    /// <summary>The largest <c>--libvirt-wait</c>: an hour (RECONCILING blocks every Files call meanwhile).</summary>
    public const int MaxLibvirtWaitSeconds = 3600;

    /// <summary>
    /// <c>--libvirt-wait SECONDS</c>: how long the start-up reconcile waits for the libvirt inventory, retrying the
    /// connection; then it judges files alone (nothing quarantined). 0: one attempt.
    /// </summary>
    public int LibvirtWaitSeconds { get; set; } = DefaultLibvirtWaitSeconds;

    /// <summary><c>--max-contents-size SIZE</c>: the largest contents Files.WriteContents accepts; more is RESOURCE_EXHAUSTED.</summary>
    public long MaxContentsSize { get; set; } = DefaultMaxContentsSize;

    /// <summary><c>--quota-bytes SIZE|N%</c>: the most bytes a uid outside the admin group may own; 0 is unlimited.</summary>
    public ByteQuota QuotaBytes { get; set; } = ByteQuota.Default;

    /// <summary><c>--quota-inodes N</c>: the most files and directories a uid outside the admin group may own; 0 is unlimited.</summary>
    public long QuotaInodes { get; set; } = DefaultQuotaInodes;

    /// <summary>Per-uid quotas from the <see cref="QuotaOverride.SectionName"/> section, by uid.</summary>
    public Dictionary<uint, QuotaOverride> QuotaOverrides { get; } = [];

    /// <summary><c>--max-tokens-per-uid N</c>: descriptor tokens a uid other than root and the daemon's may hold unredeemed; 0 is unlimited.</summary>
    public int MaxTokensPerUid { get; set; } = DefaultMaxTokensPerUid;

    /// <summary><c>--max-connections N</c>: gRPC connections open at once from uids outside the admin group; 0 is unlimited.</summary>
    public int MaxConnections { get; set; } = DefaultMaxConnections;

    /// <summary><c>--max-connections-per-uid N</c>: gRPC connections open at once from one uid outside the admin group; 0 is unlimited.</summary>
    public int MaxConnectionsPerUid { get; set; } = DefaultMaxConnectionsPerUid;

    /// <summary><c>--max-streams N</c>: streaming calls open at once from uids outside the admin group; 0 is unlimited.</summary>
    public int MaxStreams { get; set; } = DefaultMaxStreams;

    /// <summary><c>--max-streams-per-uid N</c>: streaming calls open at once from one uid outside the admin group; 0 is unlimited.</summary>
    public int MaxStreamsPerUid { get; set; } = DefaultMaxStreamsPerUid;

    /// <summary>The gRPC socket's path.</summary>
    public string GrpcSocketPath => Path.Combine(SocketDirectory, Protocol.SocketDirectory.GrpcSocketName);

    /// <summary>The descriptor socket's path.</summary>
    public string FdSocketPath => Path.Combine(SocketDirectory, Protocol.SocketDirectory.FdSocketName);

    /// <summary>True when the region is the embedded default, which the daemon creates when it is missing.</summary>
    public bool IsDefaultRegion => Region == DefaultRegionPath;
}
