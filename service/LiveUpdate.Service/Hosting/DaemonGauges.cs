using LiveUpdate.Service.Lifecycle;
using LiveUpdate.Service.Observability;
using LiveUpdate.Service.Regions;
using Prometheus;

namespace LiveUpdate.Service.Hosting;

/// <summary>
/// The gauges of <see cref="DaemonMetrics"/> read at each scrape: region space and files, lifecycle state and generation,
/// registered VMMs, DMA mappings. They read the domain components, which is why they live here, above them, and not in
/// the metrics type the components themselves record into.
/// </summary>
internal sealed class DaemonGauges(DaemonMetrics metrics, RegionHost regionHost, VmmRegistry vmms)
{
    /// <summary>Adds the gauges to the metrics registry (nothing when metrics are off).</summary>
    public void Register()
    {
        if (metrics.Registry is not { } registry)
        {
            return;
        }

        var factory = Metrics.WithCustomRegistry(registry);
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
        registry.AddBeforeCollectCallback(() =>
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
}
