using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Libvirt.Tests;

/// <summary>
/// A libvirt domain marked for live update through a planned update: the agent managed-saves it on the freeze, the
/// kexec kills QEMU, libvirtd, the agent and the daemon, the next boot starts the daemon, libvirtd and the agent again,
/// and the agent starts the domain from its managed save: the guest goes on with its counter and its pattern, its RAM
/// never copied (issue 18, item 4).
/// </summary>
[Collection(LibvirtCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class UpdateTests(PrivateLibvirt libvirt)
{
    [Theory(Timeout = 240_000)]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Freeze_KillEverything_NewBoot_TheDomainResumesWithItsCounterAndPatternIntact(int numaNodes)
    {
        await using var host = await LibvirtHost.StartAsync(libvirt);
        var domain = new LvtDomain(libvirt, numaNodes == 0 ? "update" : "numa", marked: true, numaNodes);
        await domain.DefineAsync();
        var agent = host.StartAgent();
        await libvirt.VirshOkAsync("start", domain.Name);
        await domain.Serial.WaitForAsync("^TICK 2 ");

        // The hook created every guest-memory file, sized from the XML, owned by QEMU's uid; the emulator put every RAM
        // backend libvirt generated on them.
        uint qemuUid = await LibvirtHost.QemuUidAsync();
        foreach (var path in domain.MemoryPaths)
        {
            var file = await host.Client.StatAsync(path);
            Assert.True(
                file.Kind == FileKind.GuestMemory && file.SizeBytes == LvtDomain.MemoryBytes / (ulong)domain.MemoryPaths.Count && file.OwnerUid == qemuUid && file.VmUuid == domain.Uuid.ToString("D"),
                $"{path}: {file}");
        }

        var arguments = libvirt.QemuArguments(domain.Name);
        Assert.Equal(domain.MemoryPaths.Count, arguments.Count(a => a.Contains("\"memory-backend-file\"", StringComparison.Ordinal)));
        Assert.DoesNotContain(arguments, a => a.Contains("memory-backend-ram", StringComparison.Ordinal));

        // The agent registered as the domain's VMM; the freeze managed-saves it (a small image: RAM skipped) and is acked.
        await WaitForVmmAsync(host, domain);
        var final = await host.Client.FreezeAsync(TimeSpan.FromSeconds(60));
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}\n{agent.Output}");
        Assert.Contains(domain.Uuid.ToString("D"), final.Acked.Select(a => a.VmUuid));
        await agent.WaitForLineAsync(Resume.SavedLine(domain));
        Assert.Equal("shut off", await domain.StateAsync());
        Assert.True(await domain.HasManagedSaveAsync(), "no managed save after the freeze");
        var image = new System.IO.FileInfo(Path.Combine(libvirt.Directory, "lib", "qemu", "save", domain.Name + ".save"));
        Assert.InRange(image.Length, 1, 4L << 20);
        string before = domain.Serial.Text;
        var paused = domain.Serial.Ticks[^1];

        // The kexec, then the next boot: the daemon, libvirtd and the agent again.
        await host.KillEverythingAndBootAgainAsync(domain);
        await host.StartDaemonAsync();
        await libvirt.StartLibvirtdAsync();

        // The daemon's reconcile read the real libvirtd: the domain, shut off with its managed save, is RESUMABLE.
        var verdict = await WaitForVerdictAsync(host, domain);
        Assert.True(verdict.Verdict == VmVerdictKind.Resumable, $"verdict {verdict}");

        var second = host.StartAgent();
        await second.WaitForLineAsync(Resume.RestoredLine(domain));
        await domain.WaitForStateAsync("running");
        await Resume.AssertContinuesAsync(domain, before, paused);
        Assert.False(await domain.HasManagedSaveAsync(), "the managed save is still there after the start");

        await libvirt.VirshOkAsync("destroy", domain.Name);
    }

    [Fact(Timeout = 180_000)]
    public async Task Freeze_ThenThaw_TheAgentStartsTheDomainFromItsManagedSave()
    {
        await using var host = await LibvirtHost.StartAsync(libvirt);
        var domain = new LvtDomain(libvirt, "thaw", marked: true);
        await domain.DefineAsync();
        var agent = host.StartAgent();
        await libvirt.VirshOkAsync("start", domain.Name);
        await domain.Serial.WaitForAsync("^TICK 1 ");
        await WaitForVmmAsync(host, domain);

        var final = await host.Client.FreezeAsync(TimeSpan.FromSeconds(60));
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}\n{agent.Output}");
        await agent.WaitForLineAsync(Resume.SavedLine(domain));
        Assert.Equal("shut off", await domain.StateAsync());
        string before = domain.Serial.Text;
        var paused = domain.Serial.Ticks[^1];

        await host.Client.ThawAsync();
        await agent.WaitForLineAsync(Resume.RestoredLine(domain));
        await domain.WaitForStateAsync("running");
        await Resume.AssertContinuesAsync(domain, before, paused);
        Assert.Equal(LifecycleState.Active, (await host.Client.GetStatusAsync()).State);

        await libvirt.VirshOkAsync("destroy", domain.Name);
    }

    /// <summary>Waits until the agent is the domain's registered VMM.</summary>
    internal static async Task WaitForVmmAsync(LibvirtHost host, LvtDomain domain)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!(await host.Client.GetStatusAsync()).Vmms.Any(v => v.VmUuid == domain.Uuid.ToString("D") && v.Connected))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the agent did not register for {domain.Name}:\n{host.Agent?.Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>The start-up reconcile's verdict on the domain, once there is one.</summary>
    private static async Task<VmVerdict> WaitForVerdictAsync(LibvirtHost host, LvtDomain domain)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await host.Client.GetStatusAsync();
            var verdict = status.LastReconcile?.Vms.FirstOrDefault(v => v.VmUuid == domain.Uuid.ToString("D"));
            if (verdict is not null)
            {
                Assert.StartsWith("libvirt", status.LastReconcile!.Inventory, StringComparison.Ordinal);
                return verdict;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no reconcile verdict for {domain.Name}: {status}\n{host.Daemon.Output}");
            await Task.Delay(100);
        }
    }
}
