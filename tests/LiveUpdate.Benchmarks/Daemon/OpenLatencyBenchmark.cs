using System.Diagnostics;
using Grpc.Core;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Client;
using LiveUpdate.Client.Internal;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// Latency of <c>Open</c> + descriptor hand-out through <see cref="LiveUpdateClient.OpenAsync"/> against its parts and
/// floors, measured in the same rounds: the gRPC Open alone (generated stub; the token is left to expire), a trivial
/// unary call (Stat, generated stub) as the gRPC floor, a bare SCM_RIGHTS token → descriptor exchange in this process
/// (<see cref="ScmRightsServer"/>) as the hand-out floor, and a Stopwatch replica of <c>OpenOnceAsync</c> that times
/// its steps. Every round runs each kind for a batch of calls, the order rotating between rounds, and yields one p50 and
/// one p99 per kind; a figure is the median over rounds.
/// </summary>
internal static class OpenLatencyBenchmark
{
    /// <summary>The steps of the replica, in order.</summary>
    public static readonly string[] ReplicaSteps =
        ["open_rpc_us", "extent_check_us", "hop_to_pool_us", "redeem_us", "hop_back_us", "close_fd_us", "replica_total_us"];

    private static readonly TimeSpan s_handoutTimeout = TimeSpan.FromSeconds(5);

    public sealed record Result(
        Samples OpenFdP50, Samples OpenFdP99,
        Samples RawP50, Samples RawP99,
        Samples OpenOnlyP50, Samples OpenOnlyP99,
        Samples StatP50, Samples StatP99,
        IReadOnlyList<Samples> ReplicaStepMedians);

    public static Result Run(LiveUpdateClient client, string path, ScmRightsServer floor, int rounds, int callsPerRound, int warmupCalls)
    {
        var files = client.FilesClient;
        var raw = new ScmRightsClient(floor.SocketPath);
        var steps = new double[ReplicaSteps.Length][];
        for (var i = 0; i < steps.Length; i++)
        {
            steps[i] = new double[callsPerRound];
        }

        Func<double[], Task>[] kinds =
        [
            into => OpenFd(client, path, into),
            into => OpenOnly(files, path, into),
            into => Stat(files, path, into),
            into => Floor(raw, floor, into),
            into => Replica(files, path, into, steps),
        ];

        var warmup = new double[warmupCalls];
        foreach (var kind in kinds)
        {
            kind(warmup).GetAwaiter().GetResult();
        }

        var p50 = new List<double>[kinds.Length];
        var p99 = new List<double>[kinds.Length];
        var stepMedians = new List<double>[steps.Length];
        for (var k = 0; k < kinds.Length; k++)
        {
            p50[k] = [];
            p99[k] = [];
        }

        for (var s = 0; s < steps.Length; s++)
        {
            stepMedians[s] = [];
        }

        var values = new double[callsPerRound];
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < kinds.Length; k++)
            {
                var which = (round + k) % kinds.Length;
                kinds[which](values).GetAwaiter().GetResult();
                p50[which].Add(Percentile.Of(values, 0.50));
                p99[which].Add(Percentile.Of(values, 0.99));
            }

            for (var s = 0; s < steps.Length; s++)
            {
                stepMedians[s].Add(Percentile.Of(steps[s], 0.50));
            }
        }

        return new Result(
            new Samples(p50[0]), new Samples(p99[0]),
            new Samples(p50[3]), new Samples(p99[3]),
            new Samples(p50[1]), new Samples(p99[1]),
            new Samples(p50[2]), new Samples(p99[2]),
            [.. stepMedians.Select(list => new Samples(list))]);
    }

    /// <summary>What the client's typed calls pass: a 10 s deadline (the default <see cref="LiveUpdateClientOptions.CallTimeout"/>).</summary>
    private static CallOptions Options() => new(deadline: DateTime.UtcNow.AddSeconds(10));

    private static double Microseconds(long started) => Stopwatch.GetElapsedTime(started).TotalMicroseconds;

    private static async Task OpenFd(LiveUpdateClient client, string path, double[] into)
    {
        for (var i = 0; i < into.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var file = await client.OpenAsync(path, Access.ReadWrite).ConfigureAwait(false);
            file.Dispose();
            into[i] = Microseconds(started);
        }
    }

    private static async Task OpenOnly(Files.FilesClient files, string path, double[] into)
    {
        for (var i = 0; i < into.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await files.OpenAsync(new OpenRequest { Path = path, Access = Access.ReadWrite }, Options()).ResponseAsync.ConfigureAwait(false);
            into[i] = Microseconds(started);
            if (response.Token.IsEmpty)
            {
                throw new InvalidOperationException($"Open of {path} returned no token");
            }
        }
    }

    private static async Task Stat(Files.FilesClient files, string path, double[] into)
    {
        for (var i = 0; i < into.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            _ = await files.StatAsync(new StatRequest { Path = path }, Options()).ResponseAsync.ConfigureAwait(false);
            into[i] = Microseconds(started);
        }
    }

    private static Task Floor(ScmRightsClient client, ScmRightsServer server, double[] into)
    {
        for (var i = 0; i < into.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            client.Exchange(server);
            into[i] = Microseconds(started);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// <c>LiveUpdateClient.OpenOnceAsync</c> step by step (without the retry pipeline around it): the gRPC Open, the
    /// extent-map check, the hop to a thread-pool thread (Task.Run), the redeem on the fd socket (on a pooled connection),
    /// the hop back, and the close of the descriptor. The batch's total is what <paramref name="into"/> receives.
    /// </summary>
    private static async Task Replica(Files.FilesClient files, string path, double[] into, double[][] steps)
    {
        string? socketPathSeen = null;
        using var pool = new FdConnectionPool();
        for (var i = 0; i < into.Length; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var early = socketPathSeen is null ? null : pool.TryRent(socketPathSeen) ?? FdHandoutClient.TryConnectEarly(socketPathSeen, s_handoutTimeout);
            var response = await files.OpenAsync(new OpenRequest { Path = path, Access = Access.ReadWrite }, Options()).ResponseAsync.ConfigureAwait(false);
            var t1 = Stopwatch.GetTimestamp();
            _ = ExtentMap.Validate(response.Extents, response.SizeBytes, path);
            var token = response.Token.ToByteArray();
            var socketPath = response.FdSocketPath;
            socketPathSeen = socketPath;
            var t2 = Stopwatch.GetTimestamp();
            long redeemStarted = 0;
            long redeemEnded = 0;
            var handle = await Task.Run(() =>
            {
                redeemStarted = Stopwatch.GetTimestamp();
                var descriptor = FdHandoutClient.Redeem(pool, early, socketPath, token, s_handoutTimeout, CancellationToken.None);
                redeemEnded = Stopwatch.GetTimestamp();
                return descriptor;
            }).ConfigureAwait(false);
            var t3 = Stopwatch.GetTimestamp();
            handle.Dispose();
            var t4 = Stopwatch.GetTimestamp();
            if (i < steps[0].Length)
            {
                steps[0][i] = Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds;
                steps[1][i] = Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds;
                steps[2][i] = Stopwatch.GetElapsedTime(t2, redeemStarted).TotalMicroseconds;
                steps[3][i] = Stopwatch.GetElapsedTime(redeemStarted, redeemEnded).TotalMicroseconds;
                steps[4][i] = Stopwatch.GetElapsedTime(redeemEnded, t3).TotalMicroseconds;
                steps[5][i] = Stopwatch.GetElapsedTime(t3, t4).TotalMicroseconds;
                steps[6][i] = Stopwatch.GetElapsedTime(t0, t4).TotalMicroseconds;
            }

            into[i] = Stopwatch.GetElapsedTime(t0, t4).TotalMicroseconds;
        }
    }
}
