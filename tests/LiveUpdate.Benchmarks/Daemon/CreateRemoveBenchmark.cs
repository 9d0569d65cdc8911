using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// CreateFile + Remove throughput of 2 MiB guest-memory files (the VMM's case) with 8 concurrent callers, each looping
/// create → remove on a name of its own: all 8 on one <see cref="LiveUpdateClient"/> (one HTTP/2 connection), and on 8
/// clients (8 connections), in alternating rounds. Each CreateFile and each Remove counts as one op. A round lets the
/// callers run for a warm-up, then counts the ops completed in a fixed window, with the CPU the daemon and this process
/// used in it; the callers then finish their pair. Also the serial latency of each call with one caller.
/// </summary>
internal static class CreateRemoveBenchmark
{
    public const int Callers = 8;
    public const ulong FileBytes = 2UL << 20;

    public sealed record Rates(Samples OpsPerSecond, Samples DaemonCpuUsPerOp, Samples ClientCpuUsPerOp, Samples DaemonCoresBusy);

    public sealed record Result(Rates OneConnection, Rates EightConnections, Samples CreateP50Us, Samples RemoveP50Us);

    public static Result Run(LiveUpdateClient shared, IReadOnlyList<LiveUpdateClient> separate, int daemonPid, string directory, int rounds, TimeSpan warmup, TimeSpan window)
    {
        var (create, remove) = SerialLatency(shared, directory + "/serial", pairs: 2_000, warmupPairs: 300).GetAwaiter().GetResult();

        // One untimed round of each, so both sets of connections are open and warm.
        _ = Window(_ => shared, daemonPid, directory, warmup, TimeSpan.FromMilliseconds(200)).GetAwaiter().GetResult();
        _ = Window(i => separate[i], daemonPid, directory, warmup, TimeSpan.FromMilliseconds(200)).GetAwaiter().GetResult();

        var one = new List<Measured>();
        var eight = new List<Measured>();
        for (var round = 0; round < rounds; round++)
        {
            // Alternate which goes first, so drift in the machine's load hits both alike.
            if (round % 2 == 0)
            {
                one.Add(Window(_ => shared, daemonPid, directory, warmup, window).GetAwaiter().GetResult());
                eight.Add(Window(i => separate[i], daemonPid, directory, warmup, window).GetAwaiter().GetResult());
            }
            else
            {
                eight.Add(Window(i => separate[i], daemonPid, directory, warmup, window).GetAwaiter().GetResult());
                one.Add(Window(_ => shared, daemonPid, directory, warmup, window).GetAwaiter().GetResult());
            }
        }

        return new Result(ToRates(one), ToRates(eight), create, remove);
    }

    private sealed record Measured(long Ops, double Seconds, double DaemonCpuSeconds, double ClientCpuSeconds);

    private static Rates ToRates(List<Measured> rounds) => new(
        new Samples(rounds.Select(r => r.Ops / r.Seconds)),
        new Samples(rounds.Select(r => r.DaemonCpuSeconds * 1e6 / r.Ops)),
        new Samples(rounds.Select(r => r.ClientCpuSeconds * 1e6 / r.Ops)),
        new Samples(rounds.Select(r => r.DaemonCpuSeconds / r.Seconds)));

    private static async Task<Measured> Window(Func<int, LiveUpdateClient> clientFor, int daemonPid, string directory, TimeSpan warmup, TimeSpan window)
    {
        var state = new WindowState();
        var callers = new Task[Callers];
        for (var i = 0; i < Callers; i++)
        {
            callers[i] = Caller(clientFor(i), $"{directory}/c{i}-", state);
        }

        await Task.Delay(warmup).ConfigureAwait(false);
        var ops0 = Interlocked.Read(ref state.Ops);
        var daemon0 = ProcessCpu.Seconds(daemonPid);
        var own0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(window).ConfigureAwait(false);
        var ops1 = Interlocked.Read(ref state.Ops);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var daemon1 = ProcessCpu.Seconds(daemonPid);
        var own1 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        state.Stop = true;
        await Task.WhenAll(callers).ConfigureAwait(false);
        return new Measured(ops1 - ops0, elapsed, daemon1 - daemon0, own1 - own0);
    }

    private static async Task Caller(LiveUpdateClient client, string prefix, WindowState state)
    {
        // Start on a thread-pool thread, so the 8 callers do not run their first calls one after the other here.
        await Task.Yield();
        for (var n = 0; !state.Stop; n++)
        {
            var path = prefix + n.ToString(CultureInfo.InvariantCulture);
            _ = await client.CreateFileAsync(path, FileBytes, FileKind.GuestMemory).ConfigureAwait(false);
            Interlocked.Increment(ref state.Ops);
            await client.RemoveAsync(path).ConfigureAwait(false);
            Interlocked.Increment(ref state.Ops);
        }
    }

    /// <summary>One caller alone: per-call latency of CreateFile and of Remove; one sample per batch of 500 pairs.</summary>
    private static async Task<(Samples Create, Samples Remove)> SerialLatency(LiveUpdateClient client, string prefix, int pairs, int warmupPairs)
    {
        const int Batch = 500;
        var create = new double[Batch];
        var remove = new double[Batch];
        var createMedians = new List<double>();
        var removeMedians = new List<double>();
        for (var n = -warmupPairs; n < pairs; n++)
        {
            var path = prefix + (n + warmupPairs).ToString(CultureInfo.InvariantCulture);
            var started = Stopwatch.GetTimestamp();
            _ = await client.CreateFileAsync(path, FileBytes, FileKind.GuestMemory).ConfigureAwait(false);
            var created = Stopwatch.GetTimestamp();
            await client.RemoveAsync(path).ConfigureAwait(false);
            var removed = Stopwatch.GetTimestamp();
            if (n >= 0)
            {
                create[n % Batch] = Stopwatch.GetElapsedTime(started, created).TotalMicroseconds;
                remove[n % Batch] = Stopwatch.GetElapsedTime(created, removed).TotalMicroseconds;
                if (n % Batch == Batch - 1)
                {
                    createMedians.Add(Percentile.Of(create, 0.5));
                    removeMedians.Add(Percentile.Of(remove, 0.5));
                }
            }
        }

        return (new Samples(createMedians), new Samples(removeMedians));
    }

    private sealed class WindowState
    {
        public long Ops;
        public volatile bool Stop;
    }
}
