using System.Diagnostics;
using LiveUpdate.Client.Internal;
using LiveUpdate.Client.Tests.Support;
using LiveUpdate.Protocol.V1;
using Microsoft.Win32.SafeHandles;
using Xunit.Abstractions;

namespace LiveUpdate.Client.Tests;

/// <summary>
/// Figures for the hand-out path, printed to the test output (tests never assert on time; they assert that every
/// hand-out worked). Run with <c>--logger "console;verbosity=detailed"</c> to see them.
/// </summary>
[Trait("Category", "Measurement")]
public sealed class HandoutLatencyMeasurement(ITestOutputHelper output)
{
    private const int Warmup = 200;
    private const int Iterations = 1000;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task FdHandout_AgainstTheTestServer()
    {
        using var file = new ShmFile(4096);
        using SafeFileHandle served = file.Open(FileAccess.Read);
        using var server = new SeqPacketServer(_ => ServerReply.Success(served));
        byte[] token = new byte[16];

        double[] direct = Measure(() => FdHandoutClient.Redeem(server.SocketPath, token, s_timeout, CancellationToken.None).Dispose());
        double[] offThread = await MeasureAsync(async () =>
            (await Task.Run(() => FdHandoutClient.Redeem(server.SocketPath, token, s_timeout, CancellationToken.None))).Dispose());
        double[] connectOnly = Measure(() =>
        {
            using var socket = new System.Net.Sockets.Socket(
                System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Seqpacket, System.Net.Sockets.ProtocolType.Unspecified);
            socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(server.SocketPath));
        });

        Report("token → descriptor (socket, connect, sendmsg, recvmsg, close)", direct);
        Report("the same through Task.Run", offThread);
        Report("socket + connect + close only", connectOnly);
        Assert.Equal((2 * (Warmup + Iterations)) + 0, server.Requests.Count);
    }

    [Fact]
    public async Task OpenAsync_AgainstTheInProcessFakeDaemon()
    {
        await using FakeDaemonFixture world = await FakeDaemonFixture.StartAsync();
        world.Service.AddFile("/vm/a", 0);
        world.Service.AddFile("/vm/b", 2UL << 20, 0);

        double[] rawStat = await MeasureAsync(async () => await world.Client.FilesClient.StatAsync(new StatRequest { Path = "/vm/a" }));
        double[] stat = await MeasureAsync(async () => await world.Client.StatAsync("/vm/a"));
        double[] open = await MeasureAsync(async () => (await world.Client.OpenAsync("/vm/a", Access.ReadOnly)).Dispose());
        double[] openMap = await MeasureAsync(async () =>
        {
            using OpenedFile file = await world.Client.OpenAsync("/vm/b", Access.ReadWrite);
            file.Map(writable: true).Dispose();
        });

        Report("Stat through the generated client (no retry pipeline, no deadline), in-process server", rawStat);
        Report("Stat through LiveUpdateClient (retry pipeline, overall timeout, deadline)", stat);
        Report("OpenAsync: Open + token → descriptor", open);
        Report("OpenAsync + Map of 2 extents (4 MiB) + unmap", openMap);
        Assert.Equal(2 * (Warmup + Iterations), world.Service.IssuedTokens.Count);
        Assert.Empty(world.Retries);
    }

    private static double[] Measure(Action action)
    {
        for (int i = 0; i < Warmup; i++)
        {
            action();
        }

        var samples = new double[Iterations];
        for (int i = 0; i < Iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        return samples;
    }

    private static async Task<double[]> MeasureAsync(Func<Task> action)
    {
        for (int i = 0; i < Warmup; i++)
        {
            await action();
        }

        var samples = new double[Iterations];
        for (int i = 0; i < Iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await action();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        return samples;
    }

    private void Report(string what, double[] samples)
    {
        Array.Sort(samples);
        double Percentile(double p) => samples[(int)Math.Min(samples.Length - 1, Math.Round(p * (samples.Length - 1)))];
        output.WriteLine($"{what}: p50 {Percentile(0.50):0.0} µs, p90 {Percentile(0.90):0.0} µs, p99 {Percentile(0.99):0.0} µs (n={samples.Length})");
    }
}
