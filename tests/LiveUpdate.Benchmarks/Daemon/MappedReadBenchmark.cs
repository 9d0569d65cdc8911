using System.Diagnostics;
using System.Runtime.InteropServices;
using LiveUpdate.Benchmarks.Engine;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Benchmarks.Native;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// Sequential read bandwidth through a handed-out descriptor against anonymous memory: a 1 GiB guest-memory file
/// created by the daemon and mapped with <see cref="LiveUpdateClient.MapAsync"/> (its extents MAP_SHARED over the
/// region's tmpfs file), and a 1 GiB <see cref="NativeMemory.AlignedAlloc"/> buffer, each written once and then read
/// whole by <see cref="VectorSum"/>.
/// <para>
/// As in <see cref="ZeroingBenchmark"/>: on these VMs the speed of a buffer depends on where its pages land, and of two
/// buffers faulted one after the other the second tends to be faster whatever its kind. So each trial uses a fresh file
/// and a fresh buffer, faulted in turn in 32 MiB pieces (MADV_POPULATE_WRITE; which one goes first rotates between
/// trials) before anything is timed. A round reads the two alternately, three times each, and keeps each one's best
/// read (on a shared VM a read can only lose time to other work); the ratio is the median over all rounds of the
/// per-round ratio mapped / anonymous.
/// </para>
/// </summary>
internal static unsafe class MappedReadBenchmark
{
    public const long Length = RegionFiles.GiB;

    private const long PrefaultPiece = 32 * RegionFiles.MiB;
    private const ulong Pattern = 0x0123_4567_89AB_CDEF;

    /// <summary>Reads of each buffer per round; the round keeps the best of each.</summary>
    private const int ReadsPerRound = 3;

    public sealed record Result(Samples MappedGiBPerSecond, Samples AnonGiBPerSecond, Samples Ratio, Samples MapMs);

    public static Result Run(LiveUpdateClient client, string directory, int trials, int roundsPerTrial)
    {
        var mappedRates = new List<double>();
        var anonRates = new List<double>();
        var ratios = new List<double>();
        var mapMs = new List<double>();
        for (var trial = 0; trial < trials; trial++)
        {
            var path = $"{directory}/ram{trial}";
            _ = client.CreateFileAsync(path, (ulong)Length, FileKind.GuestMemory).GetAwaiter().GetResult();
            var anon = (byte*)NativeMemory.AlignedAlloc((nuint)Length, 2 * (nuint)RegionFiles.MiB);
            try
            {
                var started = Stopwatch.GetTimestamp();
                using var mapped = client.MapAsync(path, writable: true).GetAwaiter().GetResult();
                mapMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (mapped.MappedLength < Length)
                {
                    throw new InvalidOperationException($"{path} mapped {mapped.MappedLength} bytes, expected {Length}");
                }

                var file = (byte*)mapped.Address;
                PrefaultInTurn([file, anon], firstIndex: trial);
                new Span<ulong>(file, (int)(Length / sizeof(ulong))).Fill(Pattern);
                new Span<ulong>(anon, (int)(Length / sizeof(ulong))).Fill(Pattern);
                var expected = unchecked(Pattern * (ulong)(Length / sizeof(ulong)));

                // Warm-up: one read of each (VectorSum is compiled fully optimized at once; this settles caches and TLB).
                Read(file, expected);
                Read(anon, expected);
                for (var round = 0; round < roundsPerTrial; round++)
                {
                    // Best of ReadsPerRound reads each, alternating (which one starts alternates too): a read the
                    // scheduler interrupted is slower, never faster, so the best read is the buffer's own speed.
                    var fileRate = 0.0;
                    var anonRate = 0.0;
                    var fileFirst = (round + trial) % 2 == 0;
                    for (var read = 0; read < 2 * ReadsPerRound; read++)
                    {
                        if ((read % 2 == 0) == fileFirst)
                        {
                            fileRate = Math.Max(fileRate, Read(file, expected));
                        }
                        else
                        {
                            anonRate = Math.Max(anonRate, Read(anon, expected));
                        }
                    }

                    mappedRates.Add(fileRate);
                    anonRates.Add(anonRate);
                    ratios.Add(fileRate / anonRate);
                }
            }
            finally
            {
                NativeMemory.AlignedFree(anon);
                client.RemoveAsync(path).GetAwaiter().GetResult();
            }
        }

        return new Result(new Samples(mappedRates), new Samples(anonRates), new Samples(ratios), new Samples(mapMs));
    }

    /// <summary>One timed read of the whole buffer, in GiB/s; checks the sum, so the read cannot be optimized away.</summary>
    private static double Read(byte* buffer, ulong expected)
    {
        var started = Stopwatch.GetTimestamp();
        var sum = VectorSum.Sum(buffer, Length);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return sum == expected
            ? Length / (double)RegionFiles.GiB / seconds
            : throw new InvalidOperationException($"read a sum of 0x{sum:x}, expected 0x{expected:x}");
    }

    /// <summary>Faults the ranges in 32 MiB pieces, taking them in turn starting with <paramref name="firstIndex"/>.</summary>
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
}
