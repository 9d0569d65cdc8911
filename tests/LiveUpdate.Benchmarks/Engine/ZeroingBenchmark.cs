using System.Diagnostics;
using System.Runtime.InteropServices;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Benchmarks.Native;
using LiveUpdate.Region.Devices;

namespace LiveUpdate.Benchmarks.Engine;

/// <summary>
/// Scrub throughput. On device DAX the engine zeroes freed space with stores (<c>DevDaxRegionDevice.Zero</c>:
/// <see cref="Span{T}.Clear"/> through the mapping, 1 GiB at a time). No helper is shared between the backends: the
/// identical loop is <see cref="FileRegionDevice.ClearThroughMapping"/> (the file backend's fallback), which is the
/// figure: it is timed over an already-faulted 1 GiB tmpfs region mapping, against <see cref="Span{T}.Clear"/> of a
/// prefaulted anonymous 1 GiB buffer, back to back in the same run. As a cross-check, <c>DevDaxRegionDevice.Zero</c>
/// itself is timed over a devdax device stood up on /dev/zero (<see cref="DevZeroDaxDevice"/>).
/// <para>
/// On these VMs the speed of a buffer depends on where its pages land: of two 1 GiB buffers faulted one after the
/// other, the second clears 1.25–2× faster whatever its kind. So each trial uses fresh buffers faulted in turn in
/// 32 MiB pieces (which one goes first rotates between trials), and a ratio is the median over all trials' rounds.
/// </para>
/// The file backend's own scrub, a hole punch, is timed over populated pages, and so is the page-fault cost it
/// defers to the next writer (first-touch stores, and MADV_POPULATE_WRITE as a VMM could prefault).
/// </summary>
internal static unsafe class ZeroingBenchmark
{
    public const long Length = RegionFiles.GiB;

    /// <summary>The first-touch figure uses less memory: first-touch writes run at a fraction of a GiB/s.</summary>
    public const long RefaultLength = 256 * RegionFiles.MiB;

    private const long PrefaultPiece = 32 * RegionFiles.MiB;

    public sealed record Result(
        Samples ZeroingGiBPerSecond, Samples MemsetGiBPerSecond, Samples Ratio,
        Samples DevDaxZeroGiBPerSecond, Samples DevDaxRatio,
        Samples PunchGiBPerSecond, Samples RefaultGiBPerSecond, Samples PopulateGiBPerSecond);

    public static Result Run(ScratchDirectory scratch, int trials, int roundsPerTrial, int punchRepetitions)
    {
        var rates = new Rates();
        (Samples Punch, Samples Refault, Samples Populate)? punch = null;
        for (var trial = 0; trial < trials; trial++)
        {
            var path = scratch.FileNamed($"zeroing-{trial}.region");
            var buffer = (byte*)NativeMemory.AlignedAlloc((nuint)Length, (nuint)RegionDevice.RequiredAlignment);
            try
            {
                using var file = FileRegionDevice.Open(path, new RegionDeviceOptions { CreateIfMissing = true, CreateSize = Length });
                using var dax = DevZeroDaxDevice.Open(scratch.FileNamed("sysfs"), Length);
                PrefaultInTurn([file.Pointer, dax.Pointer, buffer], firstIndex: trial);
                MeasureRounds(file, dax, buffer, roundsPerTrial, rates);
                if (trial == trials - 1)
                {
                    punch = MeasurePunch(file, punchRepetitions);
                }
            }
            finally
            {
                NativeMemory.AlignedFree(buffer);
                ScratchDirectory.DeleteFile(path);
            }
        }

        return new Result(
            new Samples(rates.File), new Samples(rates.Memset), new Samples(rates.FileRatio),
            new Samples(rates.Dax), new Samples(rates.DaxRatio),
            punch!.Value.Punch, punch.Value.Refault, punch.Value.Populate);
    }

    /// <summary>
    /// One warm-up round, then <paramref name="rounds"/> rounds of the three clears back to back, the order rotating
    /// between rounds; each round gives one ratio of each scrub to the memset next to it.
    /// </summary>
    private static void MeasureRounds(FileRegionDevice file, DevDaxRegionDevice dax, byte* buffer, int rounds, Rates rates)
    {
        Func<double>[] clears =
        [
            () => Time(() => file.ClearThroughMapping(0, Length)),
            () => Time(() => dax.Zero(0, Length)),
            () => Time(() => new Span<byte>(buffer, (int)Length).Clear()),
        ];
        var results = new double[clears.Length];
        foreach (var clear in clears)
        {
            clear();
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < clears.Length; i++)
            {
                var which = (round + i) % clears.Length;
                results[which] = clears[which]();
            }

            rates.File.Add(results[0]);
            rates.Dax.Add(results[1]);
            rates.Memset.Add(results[2]);
            rates.FileRatio.Add(results[0] / results[2]);
            rates.DaxRatio.Add(results[1] / results[2]);
        }
    }

    /// <summary>Faults the 1 GiB ranges in 32 MiB pieces, taking the ranges in turn (starting with a different one each trial), so none gets systematically different pages.</summary>
    private static void PrefaultInTurn(byte*[] ranges, int firstIndex)
    {
        for (long offset = 0; offset < Length; offset += PrefaultPiece)
        {
            for (var i = 0; i < ranges.Length; i++)
            {
                BenchmarkNative.PrefaultWrite(ranges[(firstIndex + i) % ranges.Length] + offset, PrefaultPiece);
            }
        }
    }

    private static double Time(Action clear)
    {
        var started = Stopwatch.GetTimestamp();
        clear();
        return GiBPerSecond(Length, started);
    }

    /// <summary>
    /// Each repetition populates the range (untimed), times the engine's file-backend scrub of it (fallocate
    /// PUNCH_HOLE, which frees the pages), then times how the pages come back: first-touch stores over
    /// <see cref="RefaultLength"/> bytes, and MADV_POPULATE_WRITE over the rest.
    /// </summary>
    private static (Samples Punch, Samples Refault, Samples Populate) MeasurePunch(FileRegionDevice device, int repetitions)
    {
        var punch = new double[repetitions];
        var refault = new double[repetitions];
        var populate = new double[repetitions];
        BenchmarkNative.PrefaultWrite(device.Pointer, Length);
        for (var i = 0; i < repetitions; i++)
        {
            var started = Stopwatch.GetTimestamp();
            device.Zero(0, Length);
            punch[i] = GiBPerSecond(Length, started);

            started = Stopwatch.GetTimestamp();
            new Span<byte>(device.Pointer, (int)RefaultLength).Clear();
            refault[i] = GiBPerSecond(RefaultLength, started);

            started = Stopwatch.GetTimestamp();
            BenchmarkNative.PrefaultWrite(device.Pointer + RefaultLength, Length - RefaultLength);
            populate[i] = GiBPerSecond(Length - RefaultLength, started);
        }

        return (new Samples(punch), new Samples(refault), new Samples(populate));
    }

    private static double GiBPerSecond(long bytes, long startedTimestamp) =>
        bytes / (double)RegionFiles.GiB / Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds;

    /// <summary>The samples gathered over all trials.</summary>
    private sealed class Rates
    {
        public List<double> File { get; } = [];

        public List<double> Dax { get; } = [];

        public List<double> Memset { get; } = [];

        public List<double> FileRatio { get; } = [];

        public List<double> DaxRatio { get; } = [];
    }
}
