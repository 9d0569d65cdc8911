using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;
using LiveUpdate.Service.Tests.EndToEnd.Lifecycle;

namespace LiveUpdate.Service.Tests.Dma;

/// <summary>
/// docs/design.md §8: IOMMU domains survive the daemon's death (SIGKILL, same boot) and a planned live update (freeze, the daemon
/// killed, a new boot id, the reconcile): ListMappings answers exactly the mappings made before — the replay record a VMM
/// replays after the kexec — ListDomains is unchanged, the raw table pages read from the region file hash the same, walks
/// reach the same physical addresses, and the mapped files are still pinned. Runs with the lifecycle tests, one at a time.
/// </summary>
[Collection(LifecycleCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class DmaPersistenceTests
{
    private const ulong MiB = 1UL << 20;

    [Theory(Timeout = 120_000)]
    [InlineData("daemon SIGKILL and restart")]
    [InlineData("planned update: freeze, kexec, reconcile")]
    public async Task Mappings_SurviveTheDaemonAndTheKexec_ListedExactly_AndTheTablesByteForByte(string how)
    {
        var kexec = how.StartsWith("planned", StringComparison.Ordinal);
        await using var daemon = DaemonProcess.Create(regionBytes: 256L << 20);
        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        using var channel = daemon.Channel();
        var files = new Files.FilesClient(channel);
        var vm = Guid.NewGuid();

        await client.MakeDirectoryAsync("/vm");
        await client.CreateFileAsync("/vm/ram", 64 * MiB, FileKind.GuestMemory, vm);
        await client.CreateFileAsync("/vm/ram2", 8 * MiB, FileKind.GuestMemory, vm);
        await client.CreateDomainAsync(5, 48, vm);
        await client.CreateDomainAsync(6, 39, vm);
        await client.AttachDeviceAsync(5, "0000:01:00.0");
        await client.AttachDeviceAsync(5, "0000:01:00.1");
        await client.AttachDeviceAsync(6, "0000:02:00.0");
        await client.MapDmaAsync(5, 0, "/vm/ram", 0, 64 * MiB);
        await client.MapDmaAsync(5, 0x1_0000_1000, "/vm/ram2", 4096, MiB - 4096, writable: false);
        await client.MapDmaAsync(5, 0x2_0000_0000, "/vm/ram2", 6 * MiB, 2 * MiB);
        await client.MapDmaAsync(6, 0x4000_0000, "/vm/ram2", 2 * MiB, 4 * MiB, readable: false);
        var probes = new (string Device, ulong Iova)[]
        {
            ("0000:01:00.0", 0x12_3456), ("0000:01:00.1", (64 * MiB) - 1), ("0000:01:00.0", 0x1_0000_1000 + 0x5_0123),
            ("0000:01:00.0", 0x2_0000_0000 + MiB), ("0000:02:00.0", 0x4000_0000 + (3 * MiB) + 5),
        };
        var before = await CaptureAsync(client, files, daemon, probes);
        Assert.Equal(3, before.Mappings[5].Count);
        Assert.Equal(64 * MiB, before.Pinned["/vm/ram"]);
        Assert.Equal((7 * MiB) - 4096, before.Pinned["/vm/ram2"]); // [4 KiB, 1 MiB) and [2 MiB, 8 MiB)

        if (kexec)
        {
            var final = await client.FreezeAsync(TimeSpan.FromSeconds(10));
            Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
            await StatusPolling.AssertFailedPreconditionAsync(() => client.MapDmaAsync(5, 0x3_0000_0000, "/vm/ram", 0, 2 * MiB), "Map while FROZEN");
            await StatusPolling.AssertFailedPreconditionAsync(() => client.CreateDomainAsync(7), "CreateDomain while FROZEN");
            await StatusPolling.AssertFailedPreconditionAsync(() => client.UnmapDmaAsync(6, 0x4000_0000, 4 * MiB), "Unmap while FROZEN");
            await StatusPolling.AssertFailedPreconditionAsync(() => client.DetachDeviceAsync("0000:02:00.0"), "DetachDevice while FROZEN");
            await daemon.KillAsync();
            StatusPolling.NewBoot(daemon);
            await daemon.StartAsync();
            var status = await StatusPolling.WaitForStartupReconcileAsync(client);
            Assert.True(status.State == LifecycleState.Active && status.ReconcileCause == ReconcileCause.PlannedUpdate, $"after the kexec: {status}");
            Assert.Empty(status.LastReconcile.Problems);
        }
        else
        {
            await daemon.KillAsync();
            await daemon.StartAsync();
        }

        var after = await CaptureAsync(client, files, daemon, probes);
        foreach (var domain in new uint[] { 5, 6 })
        {
            Assert.Equal(before.Mappings[domain], after.Mappings[domain]);
        }

        Assert.Equal(before.Domains, after.Domains);
        Assert.Equal(before.TableHashes, after.TableHashes);
        Assert.Equal(before.Translations, after.Translations);
        Assert.Equal(before.Pinned, after.Pinned);
        await StatusPolling.AssertFailedPreconditionAsync(() => client.RemoveAsync("/vm/ram2"), $"Remove of a mapped file after the {how}");
        await StatusPolling.AssertCheckCleanAsync(client, $"after the {how}");

        // The tables are live, not a read-only relic: unmap, map again, destroy.
        Assert.Single(await client.UnmapDmaAsync(6, 0x4000_0000, 4 * MiB));
        await client.MapDmaAsync(6, 0x4000_0000, "/vm/ram2", 0, 2 * MiB);
        await client.DestroyDomainAsync(5);
        Assert.Equal(2 * MiB, (await client.StatAsync("/vm/ram2")).DmaMappedBytes);
        Assert.Equal(0, await daemon.StopAsync());
    }

    private static async Task<Captured> CaptureAsync(LiveUpdateClient client, Files.FilesClient files, DaemonProcess daemon, (string Device, ulong Iova)[] probes)
    {
        var domains = await client.ListDomainsAsync();
        var mappings = new Dictionary<uint, IReadOnlyList<DmaMapping>>();
        var hashes = new List<string>();
        foreach (var domain in domains.Domains)
        {
            mappings[domain.Id] = (await client.ListMappingsAsync(domain.Id)).ToList();
            hashes.Add($"{domain.Path} {await TablePages.HashAsync(files, daemon.RegionPath, domain.Path)}");
        }

        hashes.Add($"/.iommu/root-table {await TablePages.HashAsync(files, daemon.RegionPath, "/.iommu/root-table")}");
        var translations = new List<TranslateResponse>();
        foreach (var (device, iova) in probes)
        {
            translations.Add(await client.TranslateAsync(device, iova));
        }

        var pinned = new Dictionary<string, ulong>();
        foreach (var path in new[] { "/vm/ram", "/vm/ram2" })
        {
            pinned[path] = (await client.StatAsync(path)).DmaMappedBytes;
        }

        return new Captured(domains, mappings, hashes, translations, pinned);
    }

    private sealed record Captured(
        ListDomainsResponse Domains,
        Dictionary<uint, IReadOnlyList<DmaMapping>> Mappings,
        List<string> TableHashes,
        List<TranslateResponse> Translations,
        Dictionary<string, ulong> Pinned);
}
