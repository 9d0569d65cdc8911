using Grpc.Core;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Handout;
using LiveUpdate.Service.Hosting;
using Microsoft.Extensions.Options;
using Prometheus;

namespace LiveUpdate.Service.Observability;

/// <summary>
/// The daemon's Prometheus metrics, in a registry of their own, served on <c>http://127.0.0.1:{metrics-port}/metrics</c>
/// when <c>--metrics-port</c> is set; with it unset nothing is created or recorded.
/// <list type="bullet">
/// <item><c>liveupdate_rpc_requests_total{method,code}</c> and <c>liveupdate_rpc_duration_seconds{method,code}</c>;</item>
/// <item><c>liveupdate_region_bytes{kind=total|used|free|metadata}</c>, <c>liveupdate_region_files</c>,
/// <c>liveupdate_region_directories</c> (read from the region at each scrape);</item>
/// <item><c>liveupdate_handouts_total{result}</c> (ok, unknown_token, expired, uid_mismatch, malformed, open_failed) and
/// <c>liveupdate_open_tokens_issued_total</c>;</item>
/// <item><c>liveupdate_lifecycle_state</c> (1 ACTIVE, 2 FREEZING, 3 FROZEN, 4 RECONCILING), <c>liveupdate_lifecycle_generation</c>
/// and <c>liveupdate_vmms_registered{connected}</c>;</item>
/// <item><c>liveupdate_dma_domains</c>, <c>liveupdate_dma_mappings</c>, <c>liveupdate_dma_mapped_bytes</c> and
/// <c>liveupdate_dma_table_pages</c> (over all IOMMU domains, read from the region at each scrape).</item>
/// </list>
/// </summary>
internal sealed class DaemonMetrics
{
    private readonly Counter? _requests;
    private readonly Histogram? _durations;
    private readonly Counter? _handouts;
    private readonly Counter? _tokensIssued;

    /// <summary>Creates the metrics when <c>--metrics-port</c> is set.</summary>
    public DaemonMetrics(IOptions<DaemonOptions> options, RegionHost regionHost, Lifecycle.VmmRegistry vmms)
    {
        if (options.Value.MetricsPort == 0)
        {
            return;
        }

        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);
        _requests = factory.CreateCounter("liveupdate_rpc_requests_total", "gRPC calls served, by method and status code.", ["method", "code"]);
        _durations = factory.CreateHistogram("liveupdate_rpc_duration_seconds", "gRPC call latency in the daemon, by method and status code.",
            ["method", "code"], new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.00005, 2, 16) });
        _handouts = factory.CreateCounter("liveupdate_handouts_total", "Descriptor requests on the descriptor socket, by result.", ["result"]);
        _tokensIssued = factory.CreateCounter("liveupdate_open_tokens_issued_total", "Open tokens issued.");
        var bytes = factory.CreateGauge("liveupdate_region_bytes", "Region space in bytes, by kind.", ["kind"]);
        var files = factory.CreateGauge("liveupdate_region_files", "Files in the region (directories not counted).");
        var directories = factory.CreateGauge("liveupdate_region_directories", "Directories in the region, the root included.");
        var state = factory.CreateGauge("liveupdate_lifecycle_state", "Lifecycle state: 1 ACTIVE, 2 FREEZING, 3 FROZEN, 4 RECONCILING.");
        var generation = factory.CreateGauge("liveupdate_lifecycle_generation", "Lifecycle generation, bumped on every state or boot change.");
        var registered = factory.CreateGauge("liveupdate_vmms_registered", "VMMs registered with RegisterVmm, by whether their stream is open.", ["connected"]);
        var dmaDomains = factory.CreateGauge("liveupdate_dma_domains", "IOMMU domains in the region.");
        var dmaMappings = factory.CreateGauge("liveupdate_dma_mappings", "DMA mappings over all IOMMU domains.");
        var dmaMapped = factory.CreateGauge("liveupdate_dma_mapped_bytes", "Bytes DMA-mapped over all IOMMU domains (pinned guest memory).");
        var dmaPages = factory.CreateGauge("liveupdate_dma_table_pages", "Second-level table pages (4 KiB) over all IOMMU domains.");
        Registry.AddBeforeCollectCallback(() =>
        {
            try
            {
                if (regionHost.Region?.GetStatistics() is { } stats)
                {
                    bytes.WithLabels("total").Set(stats.TotalBytes);
                    bytes.WithLabels("used").Set(stats.UsedBytes);
                    bytes.WithLabels("free").Set(stats.FreeBytes);
                    bytes.WithLabels("metadata").Set(stats.MetadataBytes);
                    files.Set(stats.Files);
                    directories.Set(stats.Directories);
                }

                if (regionHost.Region?.Dma.ListDomains() is { } domains)
                {
                    dmaDomains.Set(domains.Count);
                    dmaMappings.Set(domains.Sum(d => (double)d.MappingCount));
                    dmaMapped.Set(domains.Sum(d => (double)d.MappedBytes));
                    dmaPages.Set(domains.Sum(d => (double)d.TablePages));
                }

                if (regionHost.Region?.Info is { } info)
                {
                    state.Set((double)info.State);
                    generation.Set(info.Generation);
                }

                var all = vmms.Snapshot();
                registered.WithLabels("true").Set(all.Count(v => v.Connected));
                registered.WithLabels("false").Set(all.Count(v => !v.Connected));
            }
            catch (ObjectDisposedException)
            {
                // Detached between the check and the read: keep the last values.
            }
        });
    }

    /// <summary>The registry to serve, or null when metrics are off.</summary>
    public CollectorRegistry? Registry { get; }

    /// <summary>Records one gRPC call.</summary>
    public void Call(string method, StatusCode code, TimeSpan duration)
    {
        if (_requests is null)
        {
            return;
        }

        var name = CodeName(code);
        _requests.WithLabels(method, name).Inc();
        _durations!.WithLabels(method, name).Observe(duration.TotalSeconds);
    }

    /// <summary>Records one request on the descriptor socket.</summary>
    public void Handout(HandoutStatus status) => _handouts?.WithLabels(status switch
    {
        HandoutStatus.Ok => "ok",
        HandoutStatus.UnknownToken => "unknown_token",
        HandoutStatus.Expired => "expired",
        HandoutStatus.UidMismatch => "uid_mismatch",
        HandoutStatus.Malformed => "malformed",
        _ => "open_failed",
    }).Inc();

    /// <summary>Records one token issued by Open.</summary>
    public void TokenIssued() => _tokensIssued?.Inc();

    private static string CodeName(StatusCode code) => code switch
    {
        StatusCode.OK => "OK",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.DataLoss => "DATA_LOSS",
        StatusCode.Internal => "INTERNAL",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        StatusCode.Cancelled => "CANCELLED",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        _ => code.ToString().ToUpperInvariant(),
    };
}
