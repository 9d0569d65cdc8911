using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Benchmarks.Native;
using LiveUpdate.Region;

namespace LiveUpdate.Benchmarks.Engine;

/// <summary>
/// Single-thread create + remove of 2 MiB guest-memory files in a 1 GiB region. A round creates a batch of files
/// (half the region) and removes them in a shuffled order, again and again, so granules are freed, coalesced and
/// reused, and every create scrubs its space first (zero-on-allocate: a hole punch on tmpfs). Paths are built
/// before timing; everything else (path parsing, allocation, scrub, journal commit, the returned file info) is timed.
/// </summary>
internal static class AllocFreeBenchmark
{
    public const long RegionSize = RegionFiles.GiB;
    public const long FileSize = 2 * RegionFiles.MiB;
    public const int BatchSize = 256;
    public const int BatchesPerRound = 40;

    /// <summary>The figures measured by <see cref="Run"/>.</summary>
    public sealed record Result(Samples PairsPerSecond, Samples PairsPerCpuSecond, Samples CreateMicroseconds, Samples RemoveMicroseconds, Samples PunchMicroseconds, Samples AllocatedBytesPerPair);

    public static Result Run(string path, int repetitions)
    {
        using var region = RegionFiles.CreateFormatted(path, RegionSize);
        region.MakeDirectory("/vm");
        var paths = Enumerable.Range(0, BatchSize).Select(i => "/vm/ram-" + i.ToString("D4", CultureInfo.InvariantCulture)).ToArray();
        var removeOrder = Enumerable.Range(0, BatchSize).ToArray();
        new Random(20_240_601).Shuffle(removeOrder);

        var createTicks = 0L;
        var removeTicks = 0L;
        double Round()
        {
            createTicks = removeTicks = 0;
            var started = Stopwatch.GetTimestamp();
            for (var batch = 0; batch < BatchesPerRound; batch++)
            {
                var t0 = Stopwatch.GetTimestamp();
                foreach (var file in paths)
                {
                    region.CreateFile(file, FileSize, FileKind.GuestMemory);
                }

                var t1 = Stopwatch.GetTimestamp();
                foreach (var index in removeOrder)
                {
                    region.Remove(paths[index]);
                }

                removeTicks += Stopwatch.GetTimestamp() - t1;
                createTicks += t1 - t0;
            }

            return Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        const double Pairs = (double)BatchSize * BatchesPerRound;
        var creates = new List<double>();
        var removes = new List<double>();
        var cpuSeconds = new List<double>();
        var seconds = Sampler.Run(repetitions, () =>
        {
            var cpuStarted = BenchmarkNative.ThreadCpuMilliseconds();
            var elapsed = Round();
            cpuSeconds.Add((BenchmarkNative.ThreadCpuMilliseconds() - cpuStarted) / 1000);
            creates.Add(TicksToMicroseconds(createTicks) / Pairs);
            removes.Add(TicksToMicroseconds(removeTicks) / Pairs);
            return elapsed;
        }, minWarmups: 2, warmupTime: TimeSpan.FromMilliseconds(500), beforeEach: Sampler.SettleHeap);

        // Warm-up rounds also appended their figures: keep the timed rounds only.
        creates = creates.Skip(creates.Count - repetitions).ToList();
        removes = removes.Skip(removes.Count - repetitions).ToList();
        cpuSeconds = cpuSeconds.Skip(cpuSeconds.Count - repetitions).ToList();

        var allocated = new double[3];
        for (var i = 0; i < allocated.Length; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Round();
            allocated[i] = (GC.GetAllocatedBytesForCurrentThread() - before) / Pairs;
        }

        return new Result(
            seconds.Select(s => Pairs / s),
            new Samples(cpuSeconds.Select(s => Pairs / s)),
            new Samples(creates),
            new Samples(removes),
            MeasurePunch(region),
            new Samples(allocated));
    }

    /// <summary>The scrub alone: a 2 MiB hole punch over free, never-written space (what a create pays in the kernel).</summary>
    private static Samples MeasurePunch(PersistentRegion region)
    {
        var device = region.Device;
        var offset = RegionSize - FileSize; // the last granule: free after every round
        const int Calls = 20_000;
        return Sampler.Run(5, () =>
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < Calls; i++)
            {
                device.Zero(offset, FileSize);
            }

            return Stopwatch.GetElapsedTime(started).TotalMicroseconds / Calls;
        });
    }

    private static double TicksToMicroseconds(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}
