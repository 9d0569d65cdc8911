using LiveUpdate.Service.Configuration;
using Microsoft.Extensions.Options;
using Prometheus;

namespace LiveUpdate.Service.Observability;

/// <summary>
/// The daemon's Prometheus metrics, in a registry of their own, served on <c>http://127.0.0.1:{metrics-port}/metrics</c>
/// when <c>--metrics-port</c> is set; with it unset nothing is created or recorded. The gauges read at each scrape are
/// DaemonGauges' (the composition root registers them on <see cref="Registry"/>).
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
    public DaemonMetrics(IOptions<DaemonOptions> options)
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
    }

    /// <summary>The registry to serve, or null when metrics are off.</summary>
    public CollectorRegistry? Registry { get; }

    /// <summary>Records one gRPC call that ended with the status <paramref name="code"/> (its name in the proto, e.g. NOT_FOUND).</summary>
    public void Call(string method, string code, TimeSpan duration)
    {
        if (_requests is null)
        {
            return;
        }

        _requests.WithLabels(method, code).Inc();
        _durations!.WithLabels(method, code).Observe(duration.TotalSeconds);
    }

    /// <summary>Records one request on the descriptor socket by its result's label (ok, unknown_token, …).</summary>
    public void HandoutResult(string result) => _handouts?.WithLabels(result).Inc();

    /// <summary>Records one token issued by Open.</summary>
    public void TokenIssued() => _tokensIssued?.Inc();
}
