using System.Diagnostics;
using LiveUpdate.Protocol.V1;
using Xunit.Abstractions;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>
/// Many clients at once against one real daemon: 32 LiveUpdateClient instances (32 HTTP/2 connections) with mixed
/// operations, and 10,000 descriptor hand-outs. Afterwards nothing is lost or duplicated, the space adds up, and the
/// daemon holds exactly the descriptors it held before. Figures go to the test output; nothing asserts on time.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class LoadTests(ITestOutputHelper output)
{
    private const int ClientCount = 32;
    private const int Iterations = 60;
    private const int Handouts = 10_000;
    private const int HandoutWorkers = 8;

    [Fact(Timeout = 300_000)]
    public async Task ThirtyTwoClients_MixedOperations_LoseOrDuplicateNothing_SpaceAddsUp_AndDescriptorsReturnToTheStart()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var admin = Clients.For(daemon);
        await admin.MakeDirectoryAsync("/load");
        await admin.MakeDirectoryAsync(SharedLedger.Directory);
        var descriptorsBefore = DaemonDescriptors.Count(daemon);

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var shared = new SharedLedger();
        var clients = Enumerable.Range(0, ClientCount).Select(i => new LoadClient(daemon, i, shared)).ToList();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(c => Task.Run(() => c.RunAsync(Iterations, timeout.Token))));
        output.WriteLine($"{clients.Sum(c => c.Operations)} operations by {ClientCount} clients in {clock.Elapsed.TotalSeconds:0.0} s; " +
            $"{clients.Sum(c => c.RacesLost)} shared-directory calls lost a race");

        var tree = await RegionTree.CaptureAsync(admin.FilesClient);
        tree.AssertSpaceConsistent();

        Assert.All(shared.Net, entry => Assert.InRange(entry.Value, 0, 1));
        var expected = new List<string> { "/load", SharedLedger.Directory };
        expected.AddRange(shared.Net.Where(entry => entry.Value == 1).Select(entry => entry.Key));
        foreach (var client in clients)
        {
            expected.Add(client.OwnDirectory);
            expected.AddRange(client.Files.Keys);
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), tree.Paths); // nothing lost, nothing extra, nothing twice
        var byPath = tree.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        foreach (var (path, file) in clients.SelectMany(c => c.Files))
        {
            var entry = byPath[path];
            Assert.True(entry.Inode == file.Inode && entry.SizeBytes == file.Size && entry.Kind == file.Kind, $"{path}: expected {file}, found {entry}");
        }

        // The daemon watches each live process that received guest memory through one pidfd until it exits (freeze
        // safety, docs/design.md §13): this test process is one, and still alive.
        var holders = (await admin.GetStatusAsync()).DescriptorHolders.Select(h => h.Pid).Distinct().Count();
        var descriptorsAfter = await DaemonDescriptors.SettleAtMostAsync(daemon, descriptorsBefore + holders, TimeSpan.FromSeconds(20));
        Assert.Equal(descriptorsBefore + holders, descriptorsAfter);
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact(Timeout = 300_000)]
    public async Task TenThousandHandouts_EveryDescriptorIsClosed_AndTheDaemonsDescriptorCountReturnsToItsStart()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        await using var admin = Clients.For(daemon);
        await admin.CreateFileAsync("/handout", 2 * Clients.MiB, FileKind.GuestMemory);

        // A throwaway client creates the lazy state of both processes (first hand-out, first log line, the pidfd that
        // watches this process as a holder of guest memory) and goes away with its connections, pooled fd-socket
        // connection included; the daemon closes them as its loops see the hang-ups.
        await using (var warm = Clients.For(daemon))
        {
            for (var i = 0; i < 20; i++)
            {
                using var file = await warm.OpenAsync("/handout", Access.ReadWrite);
            }
        }

        var descriptorsBefore = await DaemonDescriptors.SettleAtMostAsync(daemon, 0, TimeSpan.FromMilliseconds(500));
        var ownBefore = Directory.GetFiles("/proc/self/fd").Length;

        // Four connections, two workers on each.
        var clients = Enumerable.Range(0, HandoutWorkers / 2).Select(_ => Clients.For(daemon, maxAttempts: 1)).ToList();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, HandoutWorkers).Select(worker => Task.Run(async () =>
            {
                var client = clients[worker % clients.Count];
                for (var i = 0; i < Handouts / HandoutWorkers; i++)
                {
                    using var file = await client.OpenAsync("/handout", i % 2 == 0 ? Access.ReadOnly : Access.ReadWrite, timeout.Token);
                    Assert.Equal(2 * Clients.MiB, file.Size);
                }
            })));
            output.WriteLine($"{Handouts} hand-outs (Open + descriptor) by {HandoutWorkers} workers in {clock.Elapsed.TotalSeconds:0.0} s " +
                $"({clock.Elapsed.TotalMilliseconds * HandoutWorkers / Handouts:0.00} ms each per worker); test process fds {ownBefore} -> {Directory.GetFiles("/proc/self/fd").Length}");

            // While the clients live, the daemon holds their gRPC connections and at most one pooled fd-socket connection
            // per worker: nothing per hand-out.
            Assert.InRange(DaemonDescriptors.Count(daemon), descriptorsBefore, descriptorsBefore + clients.Count + HandoutWorkers);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        var descriptorsAfter = await DaemonDescriptors.SettleAtMostAsync(daemon, descriptorsBefore, TimeSpan.FromSeconds(20));
        Assert.Equal(descriptorsBefore, descriptorsAfter);
        Assert.Equal(0, await daemon.StopAsync());
    }
}
