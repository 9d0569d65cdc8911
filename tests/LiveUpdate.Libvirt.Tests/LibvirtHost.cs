using LiveUpdate.Client;
using LiveUpdate.Deploy.Tests.Support;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Libvirt.Tests;

/// <summary>
/// One scenario's host: a real daemon (its own region and socket directory, the fixture's libvirtd as its inventory),
/// the agent, and the fixture's libvirtd pointed at this daemon. QEMU runs as libvirt-qemu (qemu.conf's default), so
/// as install.sh arranges on a real host, that uid may reach the daemon's sockets and open the region (here through its
/// own group, there through the group liveupdate and the region's group the operator chose), and has no byte quota.
/// </summary>
internal sealed class LibvirtHost : IAsyncDisposable
{
    public const string QemuUser = "libvirt-qemu";

    private LibvirtHost(PrivateLibvirt libvirt, DaemonProcess daemon, LiveUpdateClient client)
    {
        Libvirt = libvirt;
        Daemon = daemon;
        Client = client;
    }

    public PrivateLibvirt Libvirt { get; }

    public DaemonProcess Daemon { get; }

    public LiveUpdateClient Client { get; }

    /// <summary>The agent started last (each start after a "kexec" is a new process).</summary>
    public AgentProcess? Agent => _agents.Count == 0 ? null : _agents[^1];

    private readonly List<AgentProcess> _agents = [];

    /// <summary>A daemon on a 256 MiB region, started; the fixture's hook and emulator now talk to it.</summary>
    public static async Task<LibvirtHost> StartAsync(PrivateLibvirt libvirt)
    {
        var daemon = DaemonProcess.Create(regionBytes: 256L << 20);
        daemon.Environment[$"LIVEUPDATE_QUOTAS__{await QemuUidAsync()}__BYTES"] = "0";
        var host = new LibvirtHost(libvirt, daemon, new LiveUpdateClient(new LiveUpdateClientOptions
        {
            SocketDirectory = daemon.SocketDirectory,
            MaxAttempts = 100,
            RetryMaxDelay = TimeSpan.FromMilliseconds(250),
            RetryTimeout = TimeSpan.FromSeconds(60),
        }));
        await host.StartDaemonAsync();
        libvirt.UseDaemon(daemon.SocketDirectory);
        return host;
    }

    /// <summary>libvirt-qemu's uid on this machine.</summary>
    public static async Task<uint> QemuUidAsync()
    {
        var id = await Command.RunAsync("id", "-u", QemuUser);
        Assert.True(id.ExitCode == 0, $"{QemuUser} does not exist (libvirt-daemon-system creates it): {id.Output}");
        return uint.Parse(id.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Starts the daemon (again) with the fixture's libvirtd as its inventory; opens it and the region to QEMU's uid.</summary>
    public async Task StartDaemonAsync()
    {
        await Daemon.StartAsync("--libvirt-uri", Libvirt.Uri);
        string dir = Daemon.Directory, sockets = Daemon.SocketDirectory;
        var result = await Command.RunAsync("sh", "-c",
            $"chmod 0755 '{dir}' && chgrp {QemuUser} '{Daemon.RegionPath}' '{sockets}' '{sockets}'/*.sock && chmod 0660 '{Daemon.RegionPath}' && chmod g+rx '{sockets}' && chmod g+rw '{sockets}'/*.sock");
        Assert.True(result.ExitCode == 0, result.Output);
    }

    /// <summary>Starts the agent (again).</summary>
    public AgentProcess StartAgent()
    {
        _agents.Add(AgentProcess.Start(Libvirt.Uri, Daemon.SocketDirectory));
        return _agents[^1];
    }

    /// <summary>Defines <paramref name="domain"/>, starts the agent (unless <paramref name="agent"/> is false), then the domain; waits for its TICK <paramref name="ticks"/>.</summary>
    public async Task<LvtDomain> StartDomainAsync(LvtDomain domain, bool agent = true, int ticks = 1)
    {
        await domain.DefineAsync();
        if (agent)
        {
            StartAgent();
        }

        await Libvirt.VirshOkAsync("start", domain.Name);
        await domain.Serial.WaitForAsync($"^TICK {ticks} ");
        return domain;
    }

    /// <summary>
    /// Freezes the host with the agent registered for <paramref name="domain"/>: FROZEN, acked, managed-saved and shut
    /// off. Returns the guest's serial text and its last tick when it stopped.
    /// </summary>
    public async Task<(string Before, (int Count, string Boot) Paused)> FreezeAsync(LvtDomain domain)
    {
        await WaitForVmmAsync(domain);
        var final = await Client.FreezeAsync(TimeSpan.FromSeconds(60));
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}\n{Agent?.Output}");
        Assert.Contains(domain.Uuid.ToString("D"), final.Acked.Select(a => a.VmUuid));
        await Agent!.WaitForLineAsync(Resume.SavedLine(domain));
        Assert.Equal("shut off", await domain.StateAsync());
        Assert.True(await domain.HasManagedSaveAsync(), "no managed save after the freeze");
        return (domain.Serial.Text, domain.Serial.Ticks[^1]);
    }

    /// <summary>Waits until the agent is the domain's registered VMM.</summary>
    public async Task WaitForVmmAsync(LvtDomain domain)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!(await Client.GetStatusAsync()).Vmms.Any(v => v.VmUuid == domain.Uuid.ToString("D") && v.Connected))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the agent did not register for {domain.Name}:\n{Agent?.Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>The start-up reconcile's verdict on the domain, once there is one (read from the real libvirtd).</summary>
    public async Task<VmVerdict> WaitForVerdictAsync(LvtDomain domain)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await Client.GetStatusAsync();
            var verdict = status.LastReconcile?.Vms.FirstOrDefault(v => v.VmUuid == domain.Uuid.ToString("D"));
            if (verdict is not null)
            {
                Assert.StartsWith("libvirt", status.LastReconcile!.Inventory, StringComparison.Ordinal);
                return verdict;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no reconcile verdict for {domain.Name}: {status}\n{Daemon.Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>The kexec's side: the domain's QEMU (if it runs), libvirtd, the agent and the daemon SIGKILLed; the next boot's id.</summary>
    public async Task KillEverythingAndBootAgainAsync(LvtDomain domain)
    {
        if (await domain.StateAsync() == "running")
        {
            await Command.RunAsync("kill", "-KILL", Libvirt.QemuPid(domain.Name).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await Libvirt.KillLibvirtdAsync();
        Agent?.Kill();

        await Daemon.KillAsync();
        File.WriteAllText(Daemon.BootIdPath, Guid.NewGuid().ToString("D") + "\n");
    }

    /// <summary>`luctl status` as an operator sees it.</summary>
    public async Task<string> LuctlStatusAsync()
    {
        var result = await Command.RunAsync(Programs.Luctl, ["status"], new Dictionary<string, string?> { ["LIVEUPDATE_SOCKET_DIR"] = Daemon.SocketDirectory });
        Assert.True(result.ExitCode == 0, result.Output);
        return result.Stdout;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            agent.Dispose();
        }

        Client.Dispose();
        await Daemon.DisposeAsync();
    }
}
