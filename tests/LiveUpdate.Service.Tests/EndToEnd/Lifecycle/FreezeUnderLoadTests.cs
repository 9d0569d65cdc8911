using System.Diagnostics;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using Xunit.Abstractions;

namespace LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

/// <summary>
/// docs/design.md §7, the gate under load: a freeze closes it while 16 clients create, resize, rename and remove files as fast
/// as they can. Every mutation is either done completely before the gate closed or refused with FAILED_PRECONDITION and
/// not done at all: afterwards each client's directory holds exactly the files its successful calls left, with their
/// inodes, kinds and sizes, and nothing else; the tree does not move after FROZEN; Check finds the region clean.
/// </summary>
[Collection(LifecycleCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class FreezeUnderLoadTests(ITestOutputHelper output)
{
    private const int ClientCount = 16;

    [Fact(Timeout = 90_000)]
    public async Task FreezeWhileSixteenClientsMutate_LosesOrHalfDoesNothing_RefusesOnlyWithFailedPrecondition_AndChecksClean()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var admin = Clients.For(daemon);
        await admin.MakeDirectoryAsync(MutatingClient.Root);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var gate = new GateRecorder();
        var clients = Enumerable.Range(0, ClientCount).Select(i => new MutatingClient(daemon, i, gate)).ToList();
        var runs = clients.Select(c => Task.Run(() => c.RunAsync(timeout.Token))).ToList();
        var warm = Task.WhenAll(clients.Select(c => c.Warm));
        var firstEnded = Task.WhenAny(runs);
        if (await Task.WhenAny(warm, firstEnded).WaitAsync(TimeSpan.FromSeconds(30)) != warm)
        {
            await await firstEnded; // a client failed: its exception says how
            Assert.Fail($"a client stopped before the freeze was called: {clients.First(c => c.Refusal is not null).Refusal}");
        }

        // No VMM is registered: the freeze closes the gate (waiting for in-flight mutations) and seals at once.
        var clock = Stopwatch.StartNew();
        gate.OnFreezeCalled();
        var final = await admin.FreezeAsync(TimeSpan.FromSeconds(10));
        gate.OnFrozen();
        output.WriteLine($"froze in {clock.Elapsed.TotalMilliseconds:0} ms while {ClientCount} clients mutated: {final.Message}");
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
        var atFrozen = await RegionTree.CaptureAsync(admin.FilesClient);

        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(30)); // each stops at its first refusal
        output.WriteLine($"{clients.Sum(c => c.Mutations)} mutations succeeded; refused: {string.Join(", ", clients.Select(c => c.Refusal?.Operation))}");

        foreach (var client in clients)
        {
            var (error, operation, freezeCalled) = client.Refusal ?? throw new InvalidOperationException($"{client.Directory} stopped without a refusal");
            Assert.True(freezeCalled, $"{client.Directory}: '{operation}' was refused before the freeze was called: {error.Message}");
            Assert.Equal(LiveUpdateError.FailedPrecondition, error.Error);
            Assert.Contains("for an update", error.Message, StringComparison.Ordinal);
            Assert.True(client.SucceededAfterFrozen == 0, $"{client.Directory}: {client.SucceededAfterFrozen} mutations succeeded after FROZEN");
            Assert.True(client.Mutations >= 10, $"{client.Directory}: only {client.Mutations} mutations");
        }

        // Nothing moved after FROZEN: the refused calls changed nothing.
        var after = await RegionTree.CaptureAsync(admin.FilesClient);
        atFrozen.AssertUnchanged(after, "refused mutations after FROZEN");
        after.AssertSpaceConsistent();

        // Every successful call is there, completely; nothing else is.
        var expected = new List<string> { MutatingClient.Root };
        foreach (var client in clients)
        {
            expected.Add(client.Directory);
            expected.AddRange(client.Files.Keys);
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), after.Paths);
        var byPath = after.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        foreach (var (path, file) in clients.SelectMany(c => c.Files))
        {
            var entry = byPath[path];
            Assert.True(entry.Inode == file.Inode && entry.SizeBytes == file.Size && entry.Kind == file.Kind, $"{path}: expected {file}, found {entry}");
        }

        await StatusPolling.AssertCheckCleanAsync(admin, "after the freeze under load");
        await admin.ThawAsync();
        await admin.CreateFileAsync(MutatingClient.Root + "/after-thaw", 4096, FileKind.Blob);
        Assert.Equal(0, await daemon.StopAsync());
    }
}
