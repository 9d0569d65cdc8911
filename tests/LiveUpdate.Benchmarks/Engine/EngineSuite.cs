using LiveUpdate.Benchmarks.Harness;

namespace LiveUpdate.Benchmarks.Engine;

/// <summary>
/// The region engine's figures from the issue: attach time against file count and region size, create/remove
/// rate, metadata overhead, extent layout, and scrub throughput. Every region file lives in the scratch directory
/// on tmpfs and is deleted as soon as its figure is measured.
/// </summary>
internal sealed class EngineSuite : IBenchmarkSuite
{
    private const string AttachSection = "attach breakdown, 100k files (Stopwatch, median of 7; read-only replica of AttachCore's steps)";
    private const string AllocSection = "create/remove breakdown (2 MiB guest memory, 1 GiB region)";
    private const string SetupSection = "setup (not judged)";
    private const string CpuSection = "the same operations in this thread's CPU time (leaves out time other processes held the CPU; includes GC)";

    public string Name => "engine";

    public string Description => "region engine: attach, create/remove, metadata overhead, extent layout, zeroing";

    public SuiteResult Run(ScratchDirectory scratch, TextWriter log)
    {
        var result = new SuiteResult(Name);
        MeasureExtentLayout(scratch, result, log);
        MeasureMetadataOverhead(scratch, result, log);
        MeasureAllocFree(scratch, result, log);
        MeasureAttach(scratch, result, log);
        MeasureZeroing(scratch, result, log);
        result.AddNote("attach is measured warm: the region's tmpfs pages stay in memory between detach and attach (as they do across a daemon restart); each timed attach starts with a settled heap");
        result.AddNote("attach regions hold 4 KiB blob files, 1,000 to a directory (100 for 1k/10k), so the allocator rebuild sees one used range per file");
        result.AddNote("zeroing = FileRegionDevice.ClearThroughMapping over a prefaulted tmpfs region mapping: the same Span.Clear loop as DevDaxRegionDevice.Zero (no helper is shared); DevDaxRegionDevice.Zero itself is timed on /dev/zero shared memory opened as devdax through a fixture sysfs");
        return result;
    }

    private static void MeasureExtentLayout(ScratchDirectory scratch, SuiteResult result, TextWriter log)
    {
        log.WriteLine("extents: 16 GiB guest-memory file in a fresh 64 GiB region");
        var path = scratch.FileNamed("extents.region");
        try
        {
            var layout = ExtentLayoutBenchmark.Run(path);
            result.Add(new Figure("extents_per_16gib_file", Samples.Exact(layout.Extents), "extents", Target.AtMost(16)));
            result.Add(new Figure("aligned_2mib_fraction", Samples.Exact(layout.Aligned2MiBFraction), "fraction", Target.AtLeast(1.0)));
            result.AddBreakdown(SetupSection, new Figure("aligned_1gib_fraction", Samples.Exact(layout.Aligned1GiBFraction), "fraction"));
        }
        finally
        {
            ScratchDirectory.DeleteFile(path);
        }
    }

    private static void MeasureMetadataOverhead(ScratchDirectory scratch, SuiteResult result, TextWriter log)
    {
        log.WriteLine("metadata: 64 GiB and 1 TiB regions filled with 1 GiB guest-memory files");
        var path = scratch.FileNamed("metadata.region");
        try
        {
            var full = MetadataOverheadBenchmark.Run(path, 64 * RegionFiles.GiB);
            ScratchDirectory.DeleteFile(path);
            var large = MetadataOverheadBenchmark.Run(path, RegionFiles.TiB);
            result.Add(new Figure("metadata_bytes_per_gib", Samples.Exact(full.BytesPerGiB), "B/GiB", Target.AtMost(107_374),
                $"64 GiB region: {full.MetadataBytes} metadata bytes for {full.Files} files of 1 GiB"));
            result.Add(new Figure("metadata_bytes_marginal_per_gib_file", Samples.Exact(large.MarginalBytesPerFile), "B/GiB", Target.AtMost(107_374),
                $"1 TiB region: metadata added per 1 GiB file after the first, over {large.Files} files"));
            result.AddBreakdown(SetupSection, new Figure("metadata_files_in_64gib", Samples.Exact(full.Files), "files"));
            result.AddBreakdown(SetupSection, new Figure("metadata_bytes_empty_region", Samples.Exact(full.HeaderBytes), "B"));
            result.AddBreakdown(SetupSection, new Figure("metadata_marginal_in_64gib", Samples.Exact(full.MarginalBytesPerFile), "B/GiB",
                Note: "0 while every inode fits the first 256 KiB inode chunk"));
            result.AddBreakdown(SetupSection, new Figure("metadata_files_in_1tib", Samples.Exact(large.Files), "files"));
            result.AddBreakdown(SetupSection, new Figure("metadata_bytes_per_gib_1tib", Samples.Exact(large.BytesPerGiB), "B/GiB"));
        }
        finally
        {
            ScratchDirectory.DeleteFile(path);
        }
    }

    private static void MeasureAllocFree(ScratchDirectory scratch, SuiteResult result, TextWriter log)
    {
        log.WriteLine($"create/remove: {AllocFreeBenchmark.BatchSize} x 2 MiB guest-memory files per batch, {AllocFreeBenchmark.BatchesPerRound} batches per round, 1 GiB region");
        var path = scratch.FileNamed("allocfree.region");
        try
        {
            var rates = AllocFreeBenchmark.Run(path, repetitions: 7);
            result.Add(new Figure("alloc_free_ops_per_s", rates.PairsPerSecond, "pairs/s", Target.AtLeast(200_000),
                "one op = one CreateFile + one Remove"));
            result.Add(new Figure("alloc_free_single_ops_per_s", rates.PairsPerSecond.Select(rate => rate * 2), "ops/s",
                Note: "each CreateFile and each Remove counted as one op"));
            result.AddBreakdown(CpuSection, new Figure("alloc_free_pairs_per_cpu_s", rates.PairsPerCpuSecond, "pairs/s"));
            result.AddBreakdown(AllocSection, new Figure("create_us", rates.CreateMicroseconds, "us"));
            result.AddBreakdown(AllocSection, new Figure("remove_us", rates.RemoveMicroseconds, "us"));
            result.AddBreakdown(AllocSection, new Figure("punch_hole_2mib_unpopulated_us", rates.PunchMicroseconds, "us"));
            result.AddBreakdown(AllocSection, new Figure("allocated_bytes_per_pair", rates.AllocatedBytesPerPair, "B"));
        }
        finally
        {
            ScratchDirectory.DeleteFile(path);
        }
    }

    private static void MeasureAttach(ScratchDirectory scratch, SuiteResult result, TextWriter log)
    {
        var small = scratch.FileNamed("attach-1k.region");
        var large = scratch.FileNamed("attach-100k.region");
        var gib = scratch.FileNamed("attach-10k-1gib.region");
        var tib = scratch.FileNamed("attach-10k-1tib.region");
        try
        {
            Build(result, log, small, RegionFiles.GiB, 1_000, 100, "build_s_1k_files");
            var (attachSmall, attachSmallCpu) = AttachBenchmark.Measure(small, 1_000, repetitions: 15);
            result.Add(new Figure("attach_ms_1k_files", attachSmall, "ms", Target.AtMost(20)));
            result.AddBreakdown(CpuSection, new Figure("attach_cpu_ms_1k_files", attachSmallCpu, "ms"));
            ScratchDirectory.DeleteFile(small);

            Build(result, log, gib, RegionFiles.GiB, 10_000, 100, "build_s_10k_files_1gib");
            Build(result, log, tib, RegionFiles.TiB, 10_000, 100, "build_s_10k_files_1tib");
            log.WriteLine("attach: 10k files, 1 GiB and 1 TiB regions alternately");
            var (attachGiB, attachTiB, ratio) = AttachBenchmark.MeasurePair(gib, tib, 10_000, repetitions: 21);
            result.Add(new Figure("attach_ratio_1tib_vs_1gib", ratio, "ratio", Target.AtMost(1.5), "median of per-pair ratios, pairs attached back to back"));
            result.Add(new Figure("attach_ms_10k_files_1gib", attachGiB, "ms"));
            result.Add(new Figure("attach_ms_10k_files_1tib", attachTiB, "ms"));
            ScratchDirectory.DeleteFile(gib);
            ScratchDirectory.DeleteFile(tib);

            Build(result, log, large, 2 * RegionFiles.GiB, 100_000, 1_000, "build_s_100k_files");
            log.WriteLine("attach: 100k files");
            var (attachLarge, attachLargeCpu) = AttachBenchmark.Measure(large, 100_000, repetitions: 9);
            result.Add(new Figure("attach_ms_100k_files", attachLarge, "ms", Target.AtMost(200)));
            result.AddBreakdown(CpuSection, new Figure("attach_cpu_ms_100k_files", attachLargeCpu, "ms"));
            log.WriteLine("attach breakdown: 100k files");
            foreach (var phase in AttachBreakdown.Measure(large, repetitions: 7))
            {
                result.AddBreakdown(AttachSection, phase);
            }
        }
        finally
        {
            ScratchDirectory.DeleteFile(small);
            ScratchDirectory.DeleteFile(large);
            ScratchDirectory.DeleteFile(gib);
            ScratchDirectory.DeleteFile(tib);
        }
    }

    private static void Build(SuiteResult result, TextWriter log, string path, long size, int files, int perDirectory, string figure)
    {
        log.WriteLine($"build: {files:N0} files in a {size / RegionFiles.GiB:N0} GiB region");
        var took = AttachBenchmark.Build(path, size, files, perDirectory);
        result.AddBreakdown(SetupSection, new Figure(figure, Samples.Exact(took.TotalSeconds), "s"));
    }

    private static void MeasureZeroing(ScratchDirectory scratch, SuiteResult result, TextWriter log)
    {
        log.WriteLine("zeroing: 1 GiB scrub through prefaulted tmpfs and /dev/zero-devdax mappings vs memset of prefaulted anonymous memory (3 trials); hole punch");
        var zeroing = ZeroingBenchmark.Run(scratch, trials: 3, roundsPerTrial: 6, punchRepetitions: 4);
        result.Add(new Figure("zeroing_gib_per_s", zeroing.ZeroingGiBPerSecond, "GiB/s", Note: "devdax-style scrub: Span.Clear through the region mapping, prefaulted"));
        result.Add(new Figure("memset_gib_per_s", zeroing.MemsetGiBPerSecond, "GiB/s", Note: "Span.Clear of prefaulted anonymous memory"));
        result.Add(new Figure("zeroing_vs_memset_ratio", zeroing.Ratio, "ratio", Target.AtLeast(0.8), "median over back-to-back rounds of fresh buffers faulted in turn"));
        result.Add(new Figure("zeroing_devdax_zero_gib_per_s", zeroing.DevDaxZeroGiBPerSecond, "GiB/s", Note: "DevDaxRegionDevice.Zero itself, on /dev/zero shared memory with a fixture sysfs"));
        result.Add(new Figure("zeroing_devdax_zero_vs_memset_ratio", zeroing.DevDaxRatio, "ratio", Note: "cross-check of zeroing_vs_memset_ratio"));
        result.Add(new Figure("punch_hole_gib_per_s", zeroing.PunchGiBPerSecond, "GiB/s", Note: "file-backend scrub (fallocate PUNCH_HOLE) of populated pages"));
        result.Add(new Figure("refault_after_punch_gib_per_s", zeroing.RefaultGiBPerSecond, "GiB/s", Note: "first-touch stores after the punch: the cost it defers"));
        result.Add(new Figure("populate_after_punch_gib_per_s", zeroing.PopulateGiBPerSecond, "GiB/s", Note: "MADV_POPULATE_WRITE after the punch: the deferred cost if prefaulted"));
    }
}
