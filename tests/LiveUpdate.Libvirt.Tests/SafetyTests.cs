using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Libvirt.Tests;

/// <summary>
/// What must never happen to a libvirt domain: coming back on memory that is not the one it was saved with, migrating
/// away from its memory; and what must never happen to a domain that is not marked: anything at all (issue 18).
/// </summary>
[Collection(LibvirtCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class SafetyTests(PrivateLibvirt libvirt)
{
    [Fact(Timeout = 240_000)]
    public async Task MemoryRecreatedSinceTheManagedSave_TheAgentRefusesToStartIt_AndSaysWhyInItsLogAndLuctlStatus()
    {
        await using var host = await LibvirtHost.StartAsync(libvirt);
        var domain = new LvtDomain(libvirt, "stale", marked: true);
        await domain.DefineAsync();
        var agent = host.StartAgent();
        await libvirt.VirshOkAsync("start", domain.Name);
        await domain.Serial.WaitForAsync("^TICK 1 ");
        await UpdateTests.WaitForVmmAsync(host, domain);
        var final = await host.Client.FreezeAsync(TimeSpan.FromSeconds(60));
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}\n{agent.Output}");
        await agent.WaitForLineAsync(Resume.SavedLine(domain));

        await host.KillEverythingAndBootAgainAsync(domain);
        await host.StartDaemonAsync();

        // Before libvirtd and the agent are back, the memory file is removed and created again at the same size: the
        // managed save names the old instance.
        string memory = domain.MemoryPaths[0];
        var old = await host.Client.StatAsync(memory);
        await host.Client.RemoveAsync(memory);
        var recreated = await host.Client.CreateFileAsync(memory, LvtDomain.MemoryBytes, FileKind.GuestMemory, domain.Uuid, await LibvirtHost.QemuUidAsync());
        Assert.NotEqual(old.InstanceId, recreated.InstanceId);
        string before = domain.Serial.Text;

        await libvirt.StartLibvirtdAsync();
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
        var domain = new LvtDomain(libvirt, "migrate", marked: true);
        await domain.DefineAsync();
        await libvirt.VirshOkAsync("start", domain.Name);
        await domain.Serial.WaitForAsync("^TICK 1 ");

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
    public async Task AnUnmarkedDomain_GetsNoFiles_NoRewrittenMemory_NoAgent_AndAFreezeLeavesItRunning()
    {
        await using var host = await LibvirtHost.StartAsync(libvirt);
        var domain = new LvtDomain(libvirt, "plain", marked: false);
        await domain.DefineAsync();
        var agent = host.StartAgent();
        await libvirt.VirshOkAsync("start", domain.Name);
        await domain.Serial.WaitForAsync("^TICK 2 ");

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
