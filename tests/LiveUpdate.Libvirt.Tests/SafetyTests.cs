using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using Xunit.Abstractions;

namespace LiveUpdate.Libvirt.Tests;

/// <summary>
/// What must never happen to a libvirt domain: coming back on memory that is not the one it was saved with, migrating
/// away from its memory; and what must never happen to a domain that is not marked: anything at all (issue 18).
/// </summary>
[Collection(LibvirtCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class SafetyTests(PrivateLibvirt libvirt, ITestOutputHelper output)
{
    [Fact(Timeout = 240_000)]
    public async Task MemoryRecreatedSinceTheManagedSave_TheAgentRefusesToStartIt_AndSaysWhyInItsLogAndLuctlStatus()
    {
        await using var host = await LibvirtHost.StartAsync(libvirt);
        var domain = await host.StartDomainAsync(new LvtDomain(libvirt, "stale", marked: true));
        await host.FreezeAsync(domain);

        await host.KillEverythingAndBootAgainAsync(domain);
        await host.StartDaemonAsync();
        await libvirt.StartLibvirtdAsync();
        await host.WaitForVerdictAsync(domain);

        // Before the agent is back, the memory file is removed and created again at the same size: the managed save
        // names the old instance.
        string memory = domain.MemoryPaths[0];
        var old = await host.Client.StatAsync(memory);
        await host.Client.RemoveAsync(memory);
        var recreated = await host.Client.CreateFileAsync(memory, LvtDomain.MemoryBytes, FileKind.GuestMemory, domain.Uuid, await LibvirtHost.QemuUidAsync());
        Assert.NotEqual(old.InstanceId, recreated.InstanceId);
        string before = domain.Serial.Text;

        var second = host.StartAgent();
        var refused = await second.WaitForLineAsync($@"domain {domain.Name} \({domain.Uuid:D}\): not started from its managed save: (.*)");
        Assert.Contains("instance", refused.Groups[1].Value, StringComparison.Ordinal);
        Assert.Contains($"virsh managedsave-remove {domain.Name}", refused.Value, StringComparison.Ordinal);
        Assert.Contains("not started from its managed save", await host.LuctlStatusAsync(), StringComparison.Ordinal);
        Assert.Equal("shut off", await domain.StateAsync());
        Assert.True(await domain.HasManagedSaveAsync(), "the refused managed save must stay for the operator");

        // Started by hand, libvirt restores from the managed save: the emulator refuses it too (the record names
        // another instance), and the guest never ran on the stale state nor booted afresh.
        var byHand = await libvirt.VirshAsync("start", domain.Name);
        Assert.True(byHand.ExitCode != 0, $"virsh start of a stale managed save succeeded: {byHand.Output}");
        Assert.Equal("shut off", await domain.StateAsync());
        Assert.Equal(before, domain.Serial.Text);
    }

    [Fact(Timeout = 180_000)]
    public async Task VirshMigrate_OfAMarkedDomain_IsRefusedByTheHook_AndTheDomainRunsOn()
    {
        await using var host = await LibvirtHost.StartAsync(libvirt);
        var domain = await host.StartDomainAsync(new LvtDomain(libvirt, "migrate", marked: true), agent: false);

        // The destination's migrate hook runs before anything moves (here the destination is the same libvirtd).
        var migrate = await libvirt.VirshAsync("migrate", "--live", domain.Name, libvirt.Uri);
        Assert.True(migrate.ExitCode != 0, $"the migration was not refused: {migrate.Output}");
        Assert.Contains($"liveupdate hook: domain {domain.Name} ({domain.Uuid:D}) is marked for live update", migrate.Stderr, StringComparison.Ordinal);
        Assert.Contains("migration is refused", migrate.Stderr, StringComparison.Ordinal);

        Assert.Equal("running", await domain.StateAsync());
        var tick = domain.Serial.Ticks[^1];
        await domain.Serial.WaitForAsync($"^TICK {tick.Count + 1} boot={tick.Boot}");
        await libvirt.VirshOkAsync("destroy", domain.Name);
    }

    [Fact(Timeout = 180_000)]
    public async Task MemorySnapshotAndPlainSaveRestore_OfAMarkedDomain_AreRefused_AndTheGuestNeverRunsOnStaleState()
    {
        await using var host = await LibvirtHost.StartAsync(libvirt);
        var domain = await host.StartDomainAsync(new LvtDomain(libvirt, "snap", marked: true, qcow2Disk: true), agent: false);

        // An internal snapshot of the running domain would not hold the RAM: the emulator's QMP proxy refuses it.
        var snapshot = await libvirt.VirshAsync("snapshot-create-as", domain.Name, "lvt-s1");
        output.WriteLine($"snapshot-create-as: {snapshot.Output}");
        Assert.True(snapshot.ExitCode != 0, $"a memory snapshot was taken: {snapshot.Output}");
        Assert.Contains("internal snapshots of a persistent domain are refused", snapshot.Stderr, StringComparison.Ordinal);
        Assert.Equal("running", await domain.StateAsync());

        // A plain save is not refused (libvirt runs no hook for it) but writes an image without the RAM; its restore needs
        // a managed-save record the agent wrote: there is none, so the emulator refuses it and the guest never comes back
        // on that image.
        var image = Path.Combine(libvirt.Directory, domain.Name + ".save");
        var save = await libvirt.VirshAsync("save", domain.Name, image);
        output.WriteLine($"save: {save.Output}");
        Assert.True(save.ExitCode == 0, save.Output);
        string before = domain.Serial.Text;
        var restore = await libvirt.VirshAsync("restore", image);
        output.WriteLine($"restore: {restore.Output}");
        Assert.True(restore.ExitCode != 0, $"a plain save was restored: {restore.Output}");
        Assert.Contains("liveupdate-emulator: refusing to start QEMU", restore.Stderr, StringComparison.Ordinal);
        Assert.Contains("no managed-save record", restore.Stderr, StringComparison.Ordinal);
        Assert.Equal("shut off", await domain.StateAsync());
        Assert.Equal(before, domain.Serial.Text);
    }

    [Fact(Timeout = 180_000)]
    public async Task AnUnmarkedDomain_GetsNoFiles_NoRewrittenMemory_NoAgent_AndAFreezeLeavesItRunning()
    {
        await using var host = await LibvirtHost.StartAsync(libvirt);
        var domain = await host.StartDomainAsync(new LvtDomain(libvirt, "plain", marked: false), ticks: 2);
        var agent = host.Agent!;

        // The same <emulator>, but QEMU runs untouched: libvirt's own RAM backend, nothing in the region.
        var arguments = libvirt.QemuArguments(domain.Name);
        Assert.Contains(arguments, a => a.Contains("memory-backend-ram", StringComparison.Ordinal));
        Assert.DoesNotContain(arguments, a => a.Contains("memory-backend-file", StringComparison.Ordinal));
        var missing = await Assert.ThrowsAsync<LiveUpdateException>(() => host.Client.StatAsync($"/vm/{domain.Uuid:D}"));
        Assert.Equal(LiveUpdateError.NotFound, missing.Error);

        // The agent has re-scanned a few times and never registered for it; a freeze neither saves nor stops it.
        await Task.Delay(1500);
        Assert.DoesNotContain((await host.Client.GetStatusAsync()).Vmms, v => v.VmUuid == domain.Uuid.ToString("D"));
        var final = await host.Client.FreezeAsync(TimeSpan.FromSeconds(60));
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}\n{agent.Output}");
        Assert.Equal("running", await domain.StateAsync());
        Assert.False(await domain.HasManagedSaveAsync());
        Assert.DoesNotContain(domain.Name, agent.Output, StringComparison.Ordinal);
        await host.Client.ThawAsync();
        await libvirt.VirshOkAsync("destroy", domain.Name);
    }
}
