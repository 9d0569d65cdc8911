using LiveUpdate.Client;
using LiveUpdate.Libvirt.Libvirt;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Qemu;
using LiveUpdate.Service.Tests;
using Xunit.Abstractions;

namespace LiveUpdate.Libvirt.Agent.Tests.RealLibvirt;

/// <summary>
/// The agent against the running libvirtd (qemu:///system) and a real daemon: it managed-saves its domains on a freeze
/// and starts them on a thaw; after a simulated planned update (the daemon killed, a new boot id) it starts a domain
/// from its managed save, and refuses one whose memory file was recreated since, saying why in its log and in the
/// daemon's status. Domains not marked persistent are left alone.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class AgentTests(ITestOutputHelper output)
{
    private const ulong MemoryBytes = 64UL << 20;

    [RootFact(Timeout = 300_000)]
    public async Task Freeze_ManagedSavesTheMarkedDomain_WithItsRecord_Thaw_StartsItAgain_AndAnUnmarkedDomainIsLeftAlone()
    {
        await using var daemon = DaemonProcess.Create(256L << 20);
        await daemon.StartAsync();
        await using var client = Client(daemon);
        await using var marked = await TestDomain.StartAsync("thaw", marked: true);
        await using var plain = await TestDomain.StartAsync("plain", marked: false);
        var memory = await CreateMemoryAsync(client, marked.Uuid);
        await CreateMemoryAsync(client, plain.Uuid);
        await marked.WaitForTickAsync(2);

        await using var agent = new AgentRun(daemon);
        await AgentRun.WaitRegisteredAsync(client, marked.Uuid);
        var frozen = await client.FreezeAsync(TimeSpan.FromSeconds(90));
        output.WriteLine(agent.Log);
        Assert.True(frozen.Phase == FreezePhase.Frozen, frozen.ToString());
        Assert.Contains($"domain {marked.Name} ({marked.Uuid:D}): managed-saved save_ms=", agent.Log, StringComparison.Ordinal);
        Assert.True(marked.Now() is { State: DomainSnapshot.Shutoff, HasManagedSave: true }, marked.Now().ToString());
        var record = ManagedSaveRecord.Parse(await ReadAsync(client, $"/vm/{marked.Uuid:D}/device-state"));
        Assert.Equal(marked.Uuid, record.Domain);
        Assert.Equal(memory.InstanceId, Assert.Single(record.Memory, m => m.Key == "memory").Value);
        var status = await client.GetStatusAsync();
        Assert.Equal(marked.Name, Assert.Single(status.Vmms).Name);
        Assert.Equal($"/vm/{marked.Uuid:D}/device-state", status.Vmms[0].DeviceStatePath);
        // Not marked: not registered, not saved, still running.
        Assert.DoesNotContain(plain.Name, agent.Log, StringComparison.Ordinal);
        Assert.Equal(DomainSnapshot.Running, plain.Now().State);
        int paused = marked.Ticks[^1];

        await client.ThawAsync();
        await agent.WaitForLogAsync($"domain {marked.Name} ({marked.Uuid:D}): started from its managed save restore_ms=");
        output.WriteLine(agent.Log);
        Assert.True(marked.Now() is { State: DomainSnapshot.Running, HasManagedSave: false }, marked.Now().ToString());
        // The guest continues: its counter goes on from where it stopped, and it never booted again.
        await marked.WaitForTickAsync(paused + 2);
        Assert.Single(marked.SerialLines, l => l.StartsWith("BOOT", StringComparison.Ordinal));
    }

    [RootFact(Timeout = 300_000)]
    public async Task PlannedUpdate_StartsTheDomainFromItsManagedSave_AndRefusesTheOneWhoseMemoryWasRecreated()
    {
        await using var daemon = DaemonProcess.Create(256L << 20);
        await daemon.StartAsync("--libvirt-uri", Virsh.Uri);
        await using var client = Client(daemon);
        await using var kept = await TestDomain.StartAsync("kept", marked: true);
        await using var stale = await TestDomain.StartAsync("stale", marked: true);
        await CreateMemoryAsync(client, kept.Uuid);
        await CreateMemoryAsync(client, stale.Uuid);
        await kept.WaitForTickAsync(2);

        await using (var before = new AgentRun(daemon))
        {
            await AgentRun.WaitRegisteredAsync(client, kept.Uuid, stale.Uuid);
            var frozen = await client.FreezeAsync(TimeSpan.FromSeconds(90));
            output.WriteLine(before.Log);
            Assert.True(frozen.Phase == FreezePhase.Frozen, frozen.ToString());
        }

        int paused = kept.Ticks[^1];
        Assert.True(kept.Now().IsSaved && stale.Now().IsSaved);

        // The kexec: the daemon dies, the kernel has a new boot id; libvirt keeps the managed saves.
        await daemon.KillAsync();
        File.WriteAllText(daemon.BootIdPath, Guid.NewGuid().ToString("D") + "\n");
        await daemon.StartAsync("--libvirt-uri", Virsh.Uri, "--libvirt-wait", "30");
        var reconciled = await WaitActiveAsync(client);
        output.WriteLine(reconciled.LastReconcile.ToString());
        Assert.Equal(ReconcileCause.PlannedUpdate, reconciled.LastReconcile.Cause);
        foreach (var domain in new[] { kept, stale })
        {
            var verdict = Assert.Single(reconciled.LastReconcile.Vms, v => v.VmUuid == domain.Uuid.ToString("D"));
            Assert.Equal(VmVerdictKind.Resumable, verdict.Verdict);
            Assert.Contains("with a managed save", verdict.Message, StringComparison.Ordinal);
        }

        // The stale domain's memory is recreated (another instance): its managed save must never be loaded onto it.
        await client.RemoveAsync(stale.MemoryPath);
        var recreated = await client.CreateFileAsync(stale.MemoryPath, MemoryBytes, FileKind.GuestMemory, stale.Uuid);

        await using var after = new AgentRun(daemon);
        await after.WaitForLogAsync($"domain {kept.Name} ({kept.Uuid:D}): started from its managed save restore_ms=");
        await after.WaitForLogAsync($"domain {stale.Name} ({stale.Uuid:D}): not started from its managed save:");
        output.WriteLine(after.Log);
        Assert.Contains($"now {recreated.InstanceId}: the file was recreated", after.Log, StringComparison.Ordinal);
        Assert.Contains($"virsh managedsave-remove {stale.Name}", after.Log, StringComparison.Ordinal);
        Assert.True(stale.Now() is { State: DomainSnapshot.Shutoff, HasManagedSave: true }, stale.Now().ToString());
        Assert.Equal(DomainSnapshot.Running, kept.Now().State);
        await kept.WaitForTickAsync(paused + 2);
        Assert.Single(kept.SerialLines, l => l.StartsWith("BOOT", StringComparison.Ordinal));

        // luctl status shows the refusal with the stale domain's registration.
        var status = await client.GetStatusAsync();
        var vmm = Assert.Single(status.Vmms, v => v.VmUuid == stale.Uuid.ToString("D"));
        Assert.Contains("not started from its managed save", vmm.Problem, StringComparison.Ordinal);
        Assert.Contains("recreated", vmm.Problem, StringComparison.Ordinal);
        Assert.Equal(string.Empty, Assert.Single(status.Vmms, v => v.VmUuid == kept.Uuid.ToString("D")).Problem);
    }

    private static LiveUpdateClient Client(DaemonProcess daemon) =>
        new(new LiveUpdateClientOptions { SocketDirectory = daemon.SocketDirectory, RetryTimeout = TimeSpan.FromSeconds(60) });

    /// <summary>What the libvirt hook does at the domain's prepare: /vm/{uuid}/memory, 64 MiB.</summary>
    private static async Task<LiveUpdate.Protocol.V1.FileInfo> CreateMemoryAsync(LiveUpdateClient client, Guid vm)
    {
        foreach (string dir in new[] { "/vm", $"/vm/{vm:D}" })
        {
            try
            {
                await client.MakeDirectoryAsync(dir);
            }
            catch (LiveUpdateException e) when (e.Error == LiveUpdateError.AlreadyExists)
            {
            }
        }

        return await client.CreateFileAsync($"/vm/{vm:D}/memory", MemoryBytes, FileKind.GuestMemory, vm);
    }

    private static async Task<byte[]> ReadAsync(LiveUpdateClient client, string path)
    {
        using var contents = new MemoryStream();
        await client.ReadContentsAsync(path, contents);
        return contents.ToArray();
    }

    private static async Task<LifecycleStatus> WaitActiveAsync(LiveUpdateClient client)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await client.GetStatusAsync();
            if (status.State == LifecycleState.Active && status.LastReconcile is not null)
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the daemon did not end its reconcile: {status}");
            }

            await Task.Delay(100);
        }
    }
}
