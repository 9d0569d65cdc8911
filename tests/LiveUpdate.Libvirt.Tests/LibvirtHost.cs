using LiveUpdate.Client;
using LiveUpdate.Deploy.Tests.Support;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Libvirt.Tests;

/// <summary>
/// One scenario's host: a real daemon (its own region and socket directory, the fixture's libvirtd as its inventory),
/// the agent, and the fixture's libvirtd pointed at this daemon. QEMU runs as libvirt-qemu (qemu.conf's default), so
/// as install.sh arranges on a real host, that uid may reach the daemon's sockets and open the region (here through its
/// own group, there through liveupdate and liveupdate-admin), and has no byte quota.
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

    public AgentProcess? Agent { get; private set; }

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
    public AgentProcess StartAgent() => Agent = AgentProcess.Start(Libvirt.Uri, Daemon.SocketDirectory);

    /// <summary>The kexec's side: the domain's QEMU (if it runs), libvirtd, the agent and the daemon SIGKILLed; the next boot's id.</summary>
    public async Task KillEverythingAndBootAgainAsync(LvtDomain domain)
    {
        if (await domain.StateAsync() == "running")
        {
            await Command.RunAsync("kill", "-KILL", Libvirt.QemuPid(domain.Name).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await Libvirt.KillLibvirtdAsync();
        if (Agent is not null)
        {
            await Agent.KillAsync();
        }

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
        if (Agent is not null)
        {
            await Agent.DisposeAsync();
        }

        Client.Dispose();
        await Daemon.DisposeAsync();
    }
}
