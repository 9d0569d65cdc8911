using System.Diagnostics;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Benchmarks.Native;
using LiveUpdate.Region;

namespace LiveUpdate.Benchmarks.Engine;

/// <summary>
/// Attach + index rebuild of existing regions. Each region is built once through the public API, detached,
/// then attached repeatedly; only <see cref="PersistentRegion.Attach(string, Region.Devices.RegionDeviceOptions?, RegionOptions?)"/>
/// is timed (open, lock, mmap, superblock, journal recovery, metadata scan, allocator rebuild, superblock update),
/// not the detach. The region's tmpfs pages stay in memory between attaches, so attach is measured warm.
/// </summary>
internal static class AttachBenchmark
{
    /// <summary>Every file owns one 4 KiB extent, so the allocator rebuild has a used range per file.</summary>
    public const long FileSize = 4096;

    /// <summary>Builds a region of <paramref name="size"/> bytes holding <paramref name="files"/> 4 KiB blobs and detaches it.</summary>
    public static TimeSpan Build(string path, long size, int files, int perDirectory)
    {
        var started = Stopwatch.GetTimestamp();
        using (var region = RegionFiles.CreateFormatted(path, size))
        {
            RegionFiles.Fill(region, files, perDirectory, FileSize, FileKind.Blob);
            var stats = region.GetStatistics();
            if (stats.Files != files)
            {
                throw new InvalidOperationException($"built {stats.Files} files, wanted {files}");
            }
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>One timed attach, in wall-clock milliseconds, after the heap is settled so earlier garbage is not charged to it.</summary>
    public static double AttachOnce(string path, int expectedFiles) => AttachOnceTimed(path, expectedFiles).WallMs;

    /// <summary>One timed attach: wall-clock and this thread's CPU milliseconds.</summary>
    public static (double WallMs, double CpuMs) AttachOnceTimed(string path, int expectedFiles)
    {
        Sampler.SettleHeap();
        var cpuStarted = BenchmarkNative.ThreadCpuMilliseconds();
        var started = Stopwatch.GetTimestamp();
        var region = PersistentRegion.Attach(path, RegionFiles.Existing);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var cpu = BenchmarkNative.ThreadCpuMilliseconds() - cpuStarted;
        try
        {
            if (region.AttachReport.JournalTransactionsReplayed != 0)
            {
                throw new InvalidOperationException($"attach of {path} replayed {region.AttachReport.JournalTransactionsReplayed} transactions; a clean detach should leave none");
            }

            if (expectedFiles >= 0 && region.GetStatistics().Files != expectedFiles)
            {
                throw new InvalidOperationException($"attach of {path} found {region.GetStatistics().Files} files, expected {expectedFiles}");
            }
        }
        finally
        {
            region.Dispose();
        }

        return (elapsed, cpu);
    }

    /// <summary>
    /// Warm-up (at least 3 attaches and 0.5 s), then <paramref name="repetitions"/> timed attaches: wall-clock
    /// milliseconds (the figure) and this thread's CPU milliseconds of the same attaches (context on a busy machine).
    /// </summary>
    public static (Samples Wall, Samples Cpu) Measure(string path, int expectedFiles, int repetitions)
    {
        var cpu = new List<double>();
        var wall = Sampler.Run(repetitions, () =>
        {
            var (wallMs, cpuMs) = AttachOnceTimed(path, expectedFiles);
            cpu.Add(cpuMs);
            return wallMs;
        }, minWarmups: 3, warmupTime: TimeSpan.FromMilliseconds(500));
        return (wall, new Samples(cpu.Skip(cpu.Count - repetitions)));
    }

    /// <summary>
    /// Attaches two regions alternately (a, b, a, b, …) so drift hits both alike, and returns the attach
    /// times of each and the ratio b / a of every pair.
    /// </summary>
    public static (Samples A, Samples B, Samples Ratio) MeasurePair(string a, string b, int expectedFiles, int repetitions)
    {
        for (var i = 0; i < 3; i++)
        {
            AttachOnce(a, expectedFiles);
            AttachOnce(b, expectedFiles);
        }

        var timesA = new double[repetitions];
        var timesB = new double[repetitions];
        var ratios = new double[repetitions];
        for (var i = 0; i < repetitions; i++)
        {
            // Alternate which goes first, so neither always follows the other's detach.
            if (i % 2 == 0)
            {
                timesA[i] = AttachOnce(a, expectedFiles);
                timesB[i] = AttachOnce(b, expectedFiles);
            }
            else
            {
                timesB[i] = AttachOnce(b, expectedFiles);
                timesA[i] = AttachOnce(a, expectedFiles);
            }

            ratios[i] = timesB[i] / timesA[i];
        }

        return (new Samples(timesA), new Samples(timesB), new Samples(ratios));
    }
}
