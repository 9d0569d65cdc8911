using System.Diagnostics;
using LiveUpdate.Benchmarks.Engine;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Region;

namespace LiveUpdate.Benchmarks.Dma;

/// <summary>
/// The Dma figures of the issue, on the engine directly (the daemon adds one gRPC call per operation): mapping
/// 64 GiB of 2 MiB-aligned guest memory with 2 MiB leaves and with 1 GiB leaves (time and table pages), one
/// table walk, and 4 KiB map+unmap pairs per second.
/// </summary>
internal sealed class DmaSuite : IBenchmarkSuite
{
    private const string SetupSection = "setup (not judged)";
    private const long GuestMemory = 64 * RegionFiles.GiB;

    public string Name => "dma";

    public string Description => "IOMMU tables: 64 GiB map time and table pages, translate, 4 KiB map/unmap rate";

    public SuiteResult Run(ScratchDirectory scratch, TextWriter log)
    {
        var result = new SuiteResult(Name);
        var path = scratch.FileNamed("dma.region");
        try
        {
            using var region = RegionFiles.CreateFormatted(path, GuestMemory + (2 * RegionFiles.GiB));
            region.CreateFile("/memory", GuestMemory, FileKind.GuestMemory);
            var extents = region.Stat("/memory").Extents;
            result.AddBreakdown(SetupSection, new Figure("memory_extents", Samples.Exact(extents.Count), "extents",
                Note: $"first at region offset 0x{extents[0].RegionOffset:x}; physical base 0x{region.Info.PhysicalBase:x} (simulated)"));
            region.Dma.CreateDomain(1, 48);

            // IOVA 2 MiB past a 1 GiB boundary: no 1 GiB leaf fits, so every leaf is 2 MiB.
            log.WriteLine("map: 64 GiB with 2 MiB leaves, 7 samples (map, then unmap outside the timing)");
            MeasureMap(region, result, 0x40_0020_0000, "map_64gib_ms", "table_pages_64gib", Target.AtMost(70), "2 MiB leaves");
            log.WriteLine("map: 64 GiB with 1 GiB leaves, 7 samples");
            MeasureMap(region, result, 0x40_0000_0000, "map_64gib_1g_leaves_ms", "table_pages_64gib_1g_leaves", Target.AtMost(2), "1 GiB leaves");

            log.WriteLine("translate: 4-level walks of a 4 KiB-leaf mapping");
            region.Dma.Map(1, 0x1000, "/memory", 0x1000, 512 * 4096, readable: true, writable: true);
            result.Add(new Figure("translate_ns", Sampler.Run(7, () => TranslateNanoseconds(region)), "ns",
                Note: "PersistentRegion.Translate: lock, 4 entry reads, mapping lookup, result record"));
            region.Dma.Unmap(1, 0x1000, 512 * 4096);

            log.WriteLine("map/unmap: 4 KiB pairs at spread IOVAs (each allocates and frees its PT, PD and PDPT pages)");
            result.Add(new Figure("map_unmap_ops_per_s", Sampler.Run(5, () => MapUnmapOpsPerSecond(region)), "ops/s",
                Note: "a Map and its Unmap count as two operations; each is one journal commit"));
        }
        finally
        {
            ScratchDirectory.DeleteFile(path);
        }

        result.AddNote("regions are tmpfs files; the physical base is the file backend's simulated one (4 GiB, 1 GiB aligned)");
        return result;
    }

    private static void MeasureMap(PersistentRegion region, SuiteResult result, ulong iova, string timeName, string pagesName, Target pagesTarget, string leaves)
    {
        var pages = 0;
        var samples = Sampler.Run(7, () =>
        {
            var started = Stopwatch.GetTimestamp();
            var mapping = region.Dma.Map(1, iova, "/memory", 0, GuestMemory, readable: true, writable: true);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            pages = region.Dma.GetDomain(1).TablePages;
            if (leaves == "2 MiB leaves" ? mapping.Pages2M != 32768 : mapping.Pages1G != 64)
            {
                throw new InvalidOperationException($"unexpected leaves: {mapping.Pages4K}/{mapping.Pages2M}/{mapping.Pages1G}");
            }

            region.Dma.Unmap(1, iova, GuestMemory);
            return elapsed;
        });
        result.Add(new Figure(timeName, samples, "ms", Note: $"{leaves}; one transaction"));
        result.Add(new Figure(pagesName, Samples.Exact(pages), "pages", pagesTarget, $"{leaves}, top-level table included"));
    }

    private static double TranslateNanoseconds(PersistentRegion region)
    {
        const int walks = 200_000;
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < walks; i++)
        {
            region.Dma.Translate(1, 0x1000 + ((ulong)(i & 511) * 4096));
        }

        return Stopwatch.GetElapsedTime(started).TotalNanoseconds / walks;
    }

    private static double MapUnmapOpsPerSecond(PersistentRegion region)
    {
        var operations = 0;
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; Stopwatch.GetElapsedTime(started).TotalSeconds < 1; i++)
        {
            var iova = (ulong)(i % 1024) << 30;
            region.Dma.Map(1, iova, "/memory", (i % 4096) * 4096L, 4096, readable: true, writable: true);
            region.Dma.Unmap(1, iova, 4096);
            operations += 2;
        }

        return operations / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
